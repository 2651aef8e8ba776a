import { performance } from 'node:perf_hooks';
import type { ResolvedOptions } from '../config.ts';
import { buildPipeline, type BuiltPipeline } from '../pipeline/build.ts';
import type { BatchObserver, PipelineContext, PipelineItem, PipelineResult } from '../pipeline/index.ts';
import type { PipelineKind, PolicyInit } from '../pipeline/spec.ts';
import type { Judge, JudgeCounters, JudgeWiring } from './judge.ts';
import type { InFlightEntry } from './queue/in-flight-entry.ts';
import { SlotQueue } from './queue/lanes.ts';

/** Messages judged per macrotask before yielding to the event loop (as the worker-mode drain does). */
const INLINE_BATCH = 256;

/**
 * `mode: 'inline'`: the judge on the caller's thread, running the same pipeline the validation threads run.
 * Used by tests, by embedders with tiny volumes, and by the bench as the no-threads baseline. Messages are
 * judged in batches in their own macrotask, never synchronously inside `send()`: a closed loop that sends
 * from `.then` would otherwise be one endless microtask chain, starving timers and I/O.
 */
export class InlineJudge implements Judge {
  readonly threads = [];
  private readonly queue = new SlotQueue();
  private scheduled = false;

  private constructor(
    private readonly options: ResolvedOptions,
    private readonly kind: PipelineKind,
    private readonly impact: boolean,
    private built: BuiltPipeline,
    private readonly wiring: JudgeWiring,
  ) {}

  /** Builds the pipeline (user stages load, the policy instantiates) before the bus starts. */
  static async create(options: ResolvedOptions, kind: PipelineKind, policy: PolicyInit | null, impact: boolean): Promise<(wiring: JudgeWiring) => InlineJudge> {
    const built = await buildPipeline({ kind, stages: options.stages, policy, impact });
    return (wiring) => new InlineJudge(options, kind, impact, built, wiring);
  }

  start(): void {}

  async ready(): Promise<void> {}

  submit(slot: number, _entry: InFlightEntry): void {
    this.queue.push(slot);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  }

  /** Builds the new pipeline completely, then swaps: no message sees half a policy. */
  async setPolicy(policy: PolicyInit): Promise<void> {
    this.built = await buildPipeline({ kind: this.kind, stages: this.options.stages, policy, impact: this.impact });
  }

  counters(): JudgeCounters {
    const stats = this.built.policy?.stats() ?? null;
    return {
      policy: stats === null ? null : { hits: stats.hits, misses: stats.misses, evaluations: stats.evaluations, errors: stats.errors },
      threads: { configured: 0, alive: 0, restarts: 0 },
      deliberation: null,
    };
  }

  idle(): void {}

  async stop(): Promise<void> {}

  private readonly drain = (): void => {
    this.scheduled = false;
    const { table, sink } = this.wiring;
    const context: PipelineContext = {
      expectedHash: this.options.constitutionalHash,
      registry: this.wiring.registry.snapshot(),
      limits: this.options.limits,
      now: Date.now(),
    };
    const slots: number[] = [];
    const entries: InFlightEntry[] = [];
    const items: PipelineItem[] = [];
    for (let n = 0; n < INLINE_BATCH && this.queue.length > 0; n++) {
      const slot = this.queue.shift();
      const entry = table.get(slot, table.generation(slot));
      if (entry === undefined) continue;
      const message = entry.accepted.message;
      slots.push(slot);
      entries.push(entry);
      items.push({ message, payloadBytes: entry.accepted.payloadBytes, depth: entry.accepted.depth, payload: () => message.payload });
    }
    let judgingSince = 0;
    const observer: BatchObserver = {
      preparing() {},
      judging() {
        judgingSince = performance.now();
      },
      judged(i: number, result: PipelineResult, pipelineUs: number) {
        const slot = slots[i]!;
        const entry = entries[i]!;
        entry.verdicted = true;
        sink.verdict(slot, entry, {
          slot,
          generation: table.generation(slot),
          code: result.rejection?.code ?? null,
          reasons: result.rejection ? [...result.rejection.reasons] : [],
          impact: result.impact,
          queuedUs: (judgingSince - entry.startedAt) * 1000,
          pipelineUs,
        });
      },
    };
    this.built.pipeline.judgeBatch(items, context, observer);
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  };
}
