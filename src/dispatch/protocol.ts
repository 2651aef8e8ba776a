import type { MessageLimits } from '../message.ts';

/** Which stages the validation worker runs. `empty` exists for the bench: the transport's own ceiling. */
export type PipelineKind = 'empty' | 'validation' | 'full';

/** The policy a worker loads: a compiled module is shared, never recompiled per thread. */
export interface PolicyInit {
  module: WebAssembly.Module;
  data: unknown;
  entrypoint: string;
  revision: string;
  cache: { max: number; ttlMs: number } | false;
}

/** Everything a validation thread needs, passed once when its ring loop starts. */
export interface ValidatorInit {
  index: number;
  request: SharedArrayBuffer;
  response: SharedArrayBuffer;
  doorbell: SharedArrayBuffer;
  /** Int32 words: STATUS_SLOT / STATUS_GENERATION of the message being judged, -1 between messages. */
  status: SharedArrayBuffer;
  expectedHash: string;
  limits: MessageLimits;
  spinMicros: number;
  maxSpinMicros: number;
  pipeline: PipelineKind;
  stages: readonly string[];
  policy: PolicyInit | null;
}

export const STATUS_SLOT = 0;
export const STATUS_GENERATION = 1;
export const STATUS_WORDS = 2;

/** Ring loop task outcome when it stops on request. */
export const LOOP_STOPPED = 'stopped';
