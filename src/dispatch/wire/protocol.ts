import type { MessagePort } from 'node:worker_threads';
import type { MessageLimits } from '../../model/message.ts';
import type { PipelineKind, PolicyInit } from '../../pipeline/spec.ts';

/** Everything a validation thread needs, passed once when its ring loop starts. */
export interface ValidatorInit {
  index: number;
  request: SharedArrayBuffer;
  response: SharedArrayBuffer;
  doorbell: SharedArrayBuffer;
  /**
   * Int32 words STATUS_SLOT / STATUS_GENERATION: the message being judged (-1 between messages), read by the
   * main thread after a crash. Float64 counters from byte STATUS_COUNTERS_OFFSET: policy cache hits, misses,
   * evaluations, errors — written by the worker after each batch, summed by `metrics()`.
   */
  status: SharedArrayBuffer;
  /**
   * Policies and registry snapshots arrive here (see side-channel.ts); a POLICY or REGISTRY record in the
   * ring says which one to take, and when.
   */
  sidePort: MessagePort;
  expectedHash: string;
  limits: MessageLimits;
  spinMicros: number;
  maxSpinMicros: number;
  pipeline: PipelineKind;
  /** Score impact (deliberation is on). */
  impact: boolean;
  stages: readonly string[];
  policy: PolicyInit | null;
}

/** Side-channel kinds (see side-channel.ts). */
export const SIDE_POLICY = 'policy';
export const SIDE_REGISTRY = 'registry';

export const STATUS_SLOT = 0;
export const STATUS_GENERATION = 1;
/** The thread's `threadId`, written once its pipeline is built (-1 before): it is ready; and lets the main thread terminate it when stuck. */
export const STATUS_THREAD_ID = 2;
export const STATUS_COUNTERS_OFFSET = 16;
export const STATUS_BYTES = STATUS_COUNTERS_OFFSET + 4 * 8;
export const COUNTER_POLICY_HITS = 0;
export const COUNTER_POLICY_MISSES = 1;
export const COUNTER_POLICY_EVALUATIONS = 2;
export const COUNTER_POLICY_ERRORS = 3;

/** Ring loop task outcome when it stops on request. */
export const LOOP_STOPPED = 'stopped';
