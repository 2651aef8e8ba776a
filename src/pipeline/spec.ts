/** Which stages the validation worker runs. `empty` exists for the bench: the transport's own ceiling. */
export type PipelineKind = 'empty' | 'validation' | 'full';

/** The policy a worker loads: a compiled module is shared, never recompiled per thread. */
export interface PolicyInit {
  module: WebAssembly.Module;
  data: unknown;
  entrypoint: string;
  revision: string;
  cache: { max: number; ttlMs: number; maxBytes?: number } | false;
}

export interface PipelineSpec {
  kind: PipelineKind;
  stages: readonly string[];
  policy: PolicyInit | null;
  /** Score impact (only worth its cost when deliberation consumes the score). */
  impact: boolean;
}

/**
 * Whether any stage of this spec reads the payload itself (not just its size): impact scoring and user
 * stages (which may). The policy stage never does in the bus: its input carries the size only. When this is
 * false the bus encodes for the workers only the payloads of signed messages, which the signature stage
 * verifies (intake/intake-message.ts: `PayloadCrossing`): a sender without a key costs nothing more.
 */
export function pipelineReadsPayload(spec: Pick<PipelineSpec, 'kind' | 'stages' | 'impact'>): boolean {
  return spec.kind !== 'empty' && (spec.impact || spec.stages.length > 0);
}
