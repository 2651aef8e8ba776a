import type { PipelineKind, PolicyInit } from '../dispatch/protocol.ts';
import { createPipeline, type Pipeline } from './index.ts';
import { loadStages } from './stage-loader.ts';

export interface PipelineSpec {
  kind: PipelineKind;
  stages: readonly string[];
  policy: PolicyInit | null;
}

/** The no-op pipeline: what the transport alone costs (bench only). */
export const EMPTY_PIPELINE: Pipeline = () => ({ rejection: null, impact: 0 });

/**
 * Builds the pipeline from its spec, the same way in every place that judges messages: the validation
 * worker, inline mode, and the bench's peers. Async because user stages (and the policy) load here.
 */
export async function buildPipeline(spec: PipelineSpec): Promise<Pipeline> {
  if (spec.kind === 'empty') return EMPTY_PIPELINE;
  const extra = await loadStages(spec.stages);
  return createPipeline({ extra });
}
