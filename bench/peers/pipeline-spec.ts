import type { BusOptions } from '../../src/bus.ts';
import { resolveOptions } from '../../src/config.ts';
import type { PipelineSpec } from '../../src/pipeline/spec.ts';
import { BUNDLED_POLICY_DIR, loadPolicyInit } from '../../src/pipeline/policy-loader.ts';

/**
 * What the bench runs through every peer: the bus's pipeline kinds, plus `full-uncached` — the full
 * pipeline with the policy's decision cache switched off, so every message is a policy evaluation.
 */
export type BenchPipeline = 'empty' | 'validation' | 'full' | 'full-uncached';
export const BENCH_PIPELINES: readonly BenchPipeline[] = ['validation', 'full', 'full-uncached', 'empty'];

/**
 * The bus options every bus-based peer gets for a pipeline kind. The comparison is of dispatch designs, so
 * everything that is not the pipeline is switched off: no deliberation (Z3 runs on the main thread's
 * side, after the verdict, and no Piscina peer could share it — the "full pipeline" is hash + tenant
 * + limits + the default policy with its cache), and no policy compiled when the pipeline won't run it.
 */
export function benchBusOptions(kind: BenchPipeline): BusOptions {
  if (kind === 'full-uncached') return { pipeline: 'full', deliberation: false, policyCache: false, log: () => {} };
  return { pipeline: kind, deliberation: false, ...(kind === 'full' ? {} : { policy: false as const }), log: () => {} };
}

/**
 * The spec the Piscina peers hand to `buildPipeline`: what `createAgentBus(benchBusOptions(kind))` builds
 * — the bundled policy, loaded the way the bus loads it, when the pipeline is `full`; no impact scoring
 * (deliberation is off).
 */
export function benchPipelineSpec(kind: BenchPipeline): PipelineSpec {
  if (kind !== 'full' && kind !== 'full-uncached') return { kind, stages: [], policy: null, impact: false };
  const resolved = resolveOptions(benchBusOptions(kind));
  return { kind: 'full', stages: [], policy: loadPolicyInit(BUNDLED_POLICY_DIR, undefined, resolved.policyCache), impact: false };
}
