import type { ResolvedOptions } from '../config.ts';
import type { Verdict } from '../dispatch/codec.ts';
import type { InFlightEntry } from '../dispatch/dispatcher.ts';
import type { PipelineKind, PolicyInit } from '../dispatch/protocol.ts';
import { buildPipeline, type BuiltPipeline } from './build.ts';
import type { PipelineContext } from './index.ts';
import type { PolicyStats } from './policy.ts';
import type { RegistrySnapshot } from './tenant.ts';

/**
 * `mode: 'inline'`: the same pipeline functions the worker runs, called on the caller's thread. Used by
 * tests, by embedders with tiny volumes, and by the bench as the no-threads baseline.
 */
export class InlinePipeline {
  private constructor(
    private readonly options: ResolvedOptions,
    private readonly kind: PipelineKind,
    private built: BuiltPipeline,
  ) {}

  static async create(options: ResolvedOptions, kind: PipelineKind, policy: PolicyInit | null): Promise<InlinePipeline> {
    return new InlinePipeline(options, kind, await buildPipeline({ kind, stages: options.stages, policy }));
  }

  /** Builds the new pipeline completely, then swaps: no message sees half a policy. */
  async setPolicy(policy: PolicyInit): Promise<void> {
    this.built = await buildPipeline({ kind: this.kind, stages: this.options.stages, policy });
  }

  policyStats(): PolicyStats | null {
    return this.built.policy?.stats() ?? null;
  }

  judge(slot: number, generation: number, entry: InFlightEntry, registry: RegistrySnapshot): Verdict {
    const started = performance.now();
    const context: PipelineContext = {
      expectedHash: this.options.constitutionalHash,
      registry,
      limits: this.options.limits,
      now: Date.now(),
    };
    const message = entry.accepted.message;
    const result = this.built.pipeline(
      { message, payloadBytes: entry.payload.length, depth: entry.accepted.depth, payload: () => message.payload },
      context,
    );
    return {
      slot,
      generation,
      code: result.rejection?.code ?? null,
      reasons: result.rejection ? [...result.rejection.reasons] : [],
      impact: result.impact,
      queuedUs: (started - entry.startedAt) * 1000,
      pipelineUs: (performance.now() - started) * 1000,
    };
  }
}
