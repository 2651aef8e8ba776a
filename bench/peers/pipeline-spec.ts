import type { BusOptions } from '../../src/bus.ts';
import { resolveOptions } from '../../src/config.ts';
import type { PipelineKind } from '../../src/dispatch/protocol.ts';
import type { PipelineSpec } from '../../src/pipeline/build.ts';
import { BUNDLED_POLICY_DIR, loadPolicyInit } from '../../src/pipeline/policy-loader.ts';

/**
 * The bus options every bus-based peer gets for a pipeline kind. The comparison is of dispatch designs, so
 * everything that is not the pipeline is switched off: no deliberation (Z3 runs on the main thread's
 * side, after the verdict, and no Piscina peer could share it — the "full pipeline" is hash + tenant
 * + limits + the default policy with its cache), and no policy compiled when the pipeline won't run it.
 */
export function benchBusOptions(kind: PipelineKind): BusOptions {
  return { pipeline: kind, deliberation: false, ...(kind === 'full' ? {} : { policy: false as const }), log: () => {} };
}

/**
 * The spec the Piscina peers hand to `buildPipeline`: what `createAgentBus(benchBusOptions(kind))` builds
 * — the bundled policy, loaded the way the bus loads it, when the pipeline is `full`; no impact scoring
 * (deliberation is off).
 */
export function benchPipelineSpec(kind: PipelineKind): PipelineSpec {
  if (kind !== 'full') return { kind, stages: [], policy: null, impact: false };
  const resolved = resolveOptions(benchBusOptions(kind));
  return { kind, stages: [], policy: loadPolicyInit(BUNDLED_POLICY_DIR, undefined, resolved.policyCache), impact: false };
}
