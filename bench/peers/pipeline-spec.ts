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
 * The bus options for a pipeline kind: `createAgentBus()`'s defaults (deliberation included) except what the
 * kind switches off — the policy's cache for `full-uncached`, the policy itself when the pipeline won't run it.
 * Peers that compare dispatch designs with the Piscina peers add `deliberation: false`.
 */
export function benchBusOptions(kind: BenchPipeline): BusOptions {
  if (kind === 'full-uncached') return { pipeline: 'full', policyCache: false, log: () => {} };
  return { pipeline: kind, ...(kind === 'full' ? {} : { policy: false as const }), log: () => {} };
}

/**
 * The spec the Piscina peers hand to `buildPipeline`: what `createAgentBus(benchBusOptions(kind))` builds
 * — the bundled policy, loaded the way the bus loads it, when the pipeline is `full`; no impact scoring
 * (deliberation is off).
 */
export function benchPipelineSpec(kind: BenchPipeline): PipelineSpec {
  if (kind !== 'full' && kind !== 'full-uncached') return { kind, stages: [], policy: null, impact: false };
  const resolved = resolveOptions({ ...benchBusOptions(kind), deliberation: false });
  return { kind: 'full', stages: [], policy: loadPolicyInit(BUNDLED_POLICY_DIR, undefined, resolved.policyCache), impact: false };
}
