import type { SendOutcome } from '../peers/peer.ts';

/**
 * The open loop's timetable and its bookkeeping, free of real clocks and timers so it can be tested on a
 * fake clock.
 *
 * Message i is *intended* to go at `startMs + i / rate`. Whatever happens — the sender's loop runs late, the
 * peer pushes back, the in-flight cap is reached — its latency counts from that intended time, never from
 * when it actually went: a system that stalls cannot hide the stall by making the sender wait for it
 * (coordinated omission). Messages that were due before the stop time and never went at all are recorded
 * too, with their lateness at the stop time as a lower bound.
 */
export class OpenLoopSchedule {
  /** Messages in the whole run: those intended before `stopAtMs`. */
  readonly total: number;

  constructor(
    readonly ratePerS: number,
    readonly startMs: number,
    readonly stopAtMs: number,
  ) {
    if (!(ratePerS > 0)) throw new RangeError(`rate must be positive, got ${ratePerS}`);
    this.total = Math.max(0, Math.ceil(((stopAtMs - startMs) * ratePerS) / 1000));
  }

  intendedAt(index: number): number {
    return this.startMs + (index * 1000) / this.ratePerS;
  }

  /** How many messages are due at `nowMs` (intended at or before it). */
  dueBy(nowMs: number): number {
    if (nowMs < this.startMs) return 0;
    return Math.min(this.total, Math.floor(((nowMs - this.startMs) * this.ratePerS) / 1000) + 1);
  }
}

export interface OpenLoopHooks {
  clock(): number;
  /** Sends message `index`; resolves with how it ended. */
  send(index: number): Promise<SendOutcome>;
  /** One latency: `latencyMs` from the intended time; `sent` false for a message that never went. */
  /** `sent: false` for a message that never went (the sender fell behind): counted as an error. */
  record(latencyMs: number, intendedAtMs: number, outcome: SendOutcome, sent: boolean): void;
}

export interface OpenLoopLimits {
  /** Messages outstanding at most; beyond it the sender waits (and the waiting counts as latency). */
  maxOutstanding: number;
  /** Messages sent per `pump()` at most, so a sender that fell behind still lets the event loop turn. */
  maxPerPump: number;
}

export class OpenLoopSender {
  private next = 0;
  private inFlight = 0;
  private onIdle: (() => void) | null = null;

  constructor(
    private readonly schedule: OpenLoopSchedule,
    private readonly limits: OpenLoopLimits,
    private readonly hooks: OpenLoopHooks,
  ) {}

  get sent(): number {
    return this.next;
  }

  get outstanding(): number {
    return this.inFlight;
  }

  /** True once every message of the timetable has been sent. */
  get done(): boolean {
    return this.next >= this.schedule.total;
  }

  /** Sends what is due now, within the limits. Returns how many went. */
  pump(): number {
    const due = this.schedule.dueBy(this.hooks.clock());
    let sent = 0;
    while (this.next < due && this.inFlight < this.limits.maxOutstanding && sent < this.limits.maxPerPump) {
      const index = this.next++;
      const intendedAt = this.schedule.intendedAt(index);
      this.inFlight++;
      sent++;
      this.hooks.send(index).then(
        (outcome) => this.settle(intendedAt, outcome),
        () => this.settle(intendedAt, 'error'),
      );
    }
    return sent;
  }

  /**
   * How long the sender may sleep, ms: 0 when a message is due and may go now; until the next message's
   * intended time otherwise; 1 (re-check) while the in-flight cap holds messages back.
   */
  waitMs(nowMs: number): number {
    if (this.next >= this.schedule.total) return Math.max(0, this.schedule.stopAtMs - nowMs);
    if (this.inFlight >= this.limits.maxOutstanding) return 1;
    return Math.max(0, this.schedule.intendedAt(this.next) - nowMs);
  }

  /** Records every message that was due by the stop time and never went; returns how many. */
  recordUnsent(): number {
    const stop = this.schedule.stopAtMs;
    let unsent = 0;
    for (; this.next < this.schedule.total; this.next++) {
      const intendedAt = this.schedule.intendedAt(this.next);
      this.hooks.record(stop - intendedAt, intendedAt, 'error', false);
      unsent++;
    }
    return unsent;
  }

  /** Resolves when nothing is outstanding. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.onIdle = resolve;
    });
  }

  private settle(intendedAt: number, outcome: SendOutcome): void {
    this.inFlight--;
    this.hooks.record(this.hooks.clock() - intendedAt, intendedAt, outcome, true);
    if (this.inFlight === 0 && this.onIdle) {
      const resolve = this.onIdle;
      this.onIdle = null;
      resolve();
    }
  }
}
