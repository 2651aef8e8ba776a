import type { Worker } from 'node:worker_threads';
import type { ErrorCode } from '../errors.ts';
import type { RegistryView } from '../model/registry-snapshot.ts';
import type { DeliberationStats } from '../solver/index.ts';
import type { PolicyInit } from '../pipeline/spec.ts';
import type { InFlightEntry } from './queue/in-flight-entry.ts';
import type { SlotTable } from './queue/in-flight.ts';
import type { Verdict } from './wire/codec.ts';

/** Where a judge hands each message back, exactly once, on the main thread. */
export interface JudgeSink {
  /** The pipeline's verdict: allowed when `verdict.code` is null. */
  verdict(slot: number, entry: InFlightEntry, verdict: Verdict): void;
  /** The judge could not judge the message (it took down two threads; no thread is left). */
  failure(slot: number, entry: InFlightEntry, code: ErrorCode, reason: string): void;
}

/** What every judge is built with: the in-flight table it reads messages from, the registry, the sink. */
export interface JudgeWiring {
  readonly table: SlotTable<InFlightEntry>;
  readonly registry: RegistryView;
  readonly sink: JudgeSink;
}

export interface JudgeCounters {
  /** Policy decision cache, summed over the judge's pipelines; null without a policy stage. */
  readonly policy: { hits: number; misses: number; evaluations: number; errors: number } | null;
  /** Validation threads: configured, alive now (a dead one waits out its restart backoff), restarts so far. */
  readonly threads: { configured: number; alive: number; restarts: number };
  /** The solver's decisions for high-impact messages; null when deliberation is off. */
  readonly deliberation: DeliberationStats | null;
}

/**
 * A batch in, verdicts out: the one thing the bus talks to between admission and delivery. `WorkersJudge`
 * judges on validation threads through shared-memory rings, `InlineJudge` on the caller's thread, and
 * `DeliberatingJudge` adds the solver's decision for high-impact messages to either.
 */
export interface Judge {
  /** The validation threads (empty when judging inline). */
  readonly threads: readonly Worker[];
  start(): void;
  /** Resolves once the judge can judge (its threads have built their pipelines): deadlines never count start-up. */
  ready(): Promise<void>;
  /** Judges the message admitted to `slot`; its verdict reaches the sink later, never synchronously. */
  submit(slot: number, entry: InFlightEntry): void;
  /** Builds the new policy completely, then switches between two messages. */
  setPolicy(policy: PolicyInit): Promise<void>;
  counters(): JudgeCounters;
  /** Nothing is in flight any more: the judge may let the process exit. */
  idle(): void;
  stop(): Promise<void>;
}
