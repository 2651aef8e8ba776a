import { createImpactScorer } from './impact.ts';
import { createPipeline, type ImpactScorer, type Pipeline } from './index.ts';
import { createPolicyEvaluator, createPolicyStage, type PolicyEvaluator } from './policy.ts';
import { createSignatureStage } from './signature.ts';
import { loadStages } from './stage-loader.ts';
import type { PipelineSpec } from './spec.ts';

export interface BuiltPipeline {
  pipeline: Pipeline;
  /** The policy evaluator, when the pipeline has a policy stage (for its cache counters). */
  policy: PolicyEvaluator | null;
}

/** The no-op pipeline: what the transport alone costs (bench only). */
const ALLOWED = Object.freeze({ rejection: null, impact: 0 });
export const EMPTY_PIPELINE: Pipeline = {
  judge: () => ALLOWED,
  judgeBatch(items, _context, observer) {
    for (let i = 0; i < items.length; i++) {
      observer.judging(i);
      observer.judged(i, ALLOWED, 0);
    }
  },
};

/**
 * Impact scoring for messages every stage allowed. On a validation thread the payload is read from its
 * encoded bytes (decoded only when those cannot answer); the sender-volume window is this pipeline's (one
 * per worker).
 */
export function impactStage(): ImpactScorer {
  return createImpactScorer();
}

/**
 * Builds the pipeline from its spec, the same way in every place that judges messages: the validation
 * worker, inline mode, and the bench's peers. Async because user stages load here. The policy module is
 * already compiled (once, on the main thread); instantiating it here takes well under a millisecond.
 */
export async function buildPipeline(spec: PipelineSpec): Promise<BuiltPipeline> {
  if (spec.kind === 'empty') return { pipeline: EMPTY_PIPELINE, policy: null };
  const extra = await loadStages(spec.stages);
  const evaluator =
    spec.kind === 'full' && spec.policy !== null
      ? createPolicyEvaluator({
          module: spec.policy.module,
          data: spec.policy.data,
          entrypoint: spec.policy.entrypoint,
          revision: spec.policy.revision,
          cache: spec.policy.cache,
        })
      : null;
  const impact = spec.impact ? impactStage() : null;
  // Signatures are checked in every non-empty pipeline: a keyed sender's messages are verified whatever else runs.
  const signature = createSignatureStage();
  return { pipeline: createPipeline({ signature, policy: evaluator ? createPolicyStage(evaluator) : null, extra, impact }), policy: evaluator };
}
