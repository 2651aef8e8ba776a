import { performance } from 'node:perf_hooks';
import type { SlotTable } from './in-flight.ts';

/**
 * Slots looked at per tick. A look is one array read and one compare (a few ns), so a tick costs well under
 * 50 µs and never blocks the event loop noticeably, however many messages are in flight.
 */
export const SWEEP_CHUNK = 4096;
/** Milliseconds between ticks. */
export const SWEEP_INTERVAL_MS = 10;

/**
 * Finds messages past their deadline without a timer per message: one unref'd interval, running only while
 * something is in flight, walks the slot table a chunk per tick and hands each overdue entry to `onOverdue`.
 *
 * Precision: an entry is seen at most one full walk after its deadline, i.e. within
 * `ceil(highWater / SWEEP_CHUNK) × SWEEP_INTERVAL_MS` — 10 ms up to 4,096 slots ever in use at once, 20 ms at
 * the default 8,192 — plus the event loop's own delay. `onOverdue` is called again on every walk for an
 * entry that stays in the table (one settled but still held by a judge): it must be idempotent.
 */
export class DeadlineSweeper<T extends { readonly deadline: number }> {
  private timer: NodeJS.Timeout | null = null;
  private cursor = 0;

  constructor(
    private readonly table: SlotTable<T>,
    private readonly onOverdue: (slot: number, entry: T, now: number) => void,
    private readonly chunk = SWEEP_CHUNK,
    private readonly intervalMs = SWEEP_INTERVAL_MS,
  ) {}

  /** Called per admitted message: a field read unless the sweep was idle. */
  arm(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(this.tick, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One chunk of the walk; public so tests can drive it without waiting. */
  readonly tick = (): void => {
    const table = this.table;
    if (table.inUse === 0) {
      this.stop();
      this.cursor = 0;
      return;
    }
    const now = performance.now();
    const limit = table.highWater;
    if (this.cursor >= limit) this.cursor = 0;
    const end = Math.min(this.cursor + this.chunk, limit);
    for (let slot = this.cursor; slot < end; slot++) {
      const entry = table.at(slot);
      if (entry !== undefined && entry.deadline <= now) this.onOverdue(slot, entry, now);
    }
    this.cursor = end >= limit ? 0 : end;
  };
}
