import { performance } from 'node:perf_hooks';
import type { ResolvedOptions } from '../config.ts';
import type { Verdict } from '../dispatch/codec.ts';
import type { InFlightEntry, VerdictSink } from '../dispatch/dispatcher.ts';
import type { SlotTable } from '../dispatch/in-flight.ts';
import { SlotQueue } from '../dispatch/lanes.ts';
import type { PipelineKind, PolicyInit } from '../dispatch/protocol.ts';
import { buildPipeline, type BuiltPipeline } from './build.ts';
import type { PipelineContext, PipelineItem } from './index.ts';
import type { PolicyStats } from './policy.ts';
import type { RegistrySnapshot } from './tenant.ts';

/** Messages judged per macrotask before yielding to the event loop (as the worker-mode drain does). */
const INLINE_BATCH = 256;

/**
 * `mode: 'inline'`: the same pipeline functions the worker runs, called on the caller's thread. Used by
 * tests, by embedders with tiny volumes, and by the bench as the no-threads baseline. Messages are judged in
 * batches in their own macrotask, never synchronously inside `send()`: a closed loop that sends from `.then`
 * would otherwise be one endless microtask chain, starving timers and I/O.
 */
export class InlinePipeline {
  private readonly queue = new SlotQueue();
  private scheduled = false;
  private table: SlotTable<InFlightEntry> | null = null;
  private registry: () => RegistrySnapshot = () => {
    throw new Error('inline pipeline is not connected');
  };
  private sink: VerdictSink = () => {};

  private constructor(
    private readonly options: ResolvedOptions,
    private readonly kind: PipelineKind,
    private readonly impact: boolean,
    private built: BuiltPipeline,
  ) {}

  static async create(options: ResolvedOptions, kind: PipelineKind, policy: PolicyInit | null, impact: boolean): Promise<InlinePipeline> {
    return new InlinePipeline(options, kind, impact, await buildPipeline({ kind, stages: options.stages, policy, impact }));
  }

  connect(table: SlotTable<InFlightEntry>, registry: () => RegistrySnapshot, sink: VerdictSink): void {
    this.table = table;
    this.registry = registry;
    this.sink = sink;
  }

  enqueue(slot: number, _entry: InFlightEntry): void {
    this.queue.push(slot);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  }

  private readonly drain = (): void => {
    this.scheduled = false;
    const table = this.table!;
    const context: PipelineContext = {
      expectedHash: this.options.constitutionalHash,
      registry: this.registry(),
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
    // As in the validation thread: the batch's shared work first (the policy's misses in one SDK call),
    // each message's pipeline time then includes an equal share of it.
    const pipeline = this.built.pipeline;
    const preparing = performance.now();
    pipeline.prepare(items, context);
    const shareUs = items.length === 0 ? 0 : ((performance.now() - preparing) * 1000) / items.length;
    for (let i = 0; i < items.length; i++) {
      const slot = slots[i]!;
      this.sink(slot, entries[i]!, this.judge(slot, table.generation(slot), entries[i]!, items[i]!, context, shareUs));
    }
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  };

  /** Builds the new pipeline completely, then swaps: no message sees half a policy. */
  async setPolicy(policy: PolicyInit): Promise<void> {
    this.built = await buildPipeline({ kind: this.kind, stages: this.options.stages, policy, impact: this.impact });
  }

  policyStats(): PolicyStats | null {
    return this.built.policy?.stats() ?? null;
  }

  private judge(slot: number, generation: number, entry: InFlightEntry, item: PipelineItem, context: PipelineContext, shareUs: number): Verdict {
    const started = performance.now();
    const result = this.built.pipeline(item, context);
    return {
      slot,
      generation,
      code: result.rejection?.code ?? null,
      reasons: result.rejection ? [...result.rejection.reasons] : [],
      impact: result.impact,
      queuedUs: (started - entry.startedAt) * 1000,
      pipelineUs: (performance.now() - started) * 1000 + shareUs,
    };
  }
}
