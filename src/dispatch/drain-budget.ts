/** Verdicts per worker one drain takes when the rings keep up: small, so handlers never hold the loop long. */
export const MIN_DRAIN_BUDGET = 64;
/** The most one drain takes per worker, however far behind: the loop still turns under any backlog. */
export const MAX_DRAIN_BUDGET = 8192;

/**
 * How many verdicts per worker the next drain may take. It doubles after a drain that left verdicts behind
 * while senders wait for slots, and halves after any other. Under normal load (and in a closed loop below
 * `maxInFlight`) it stays at its minimum, keeping the event loop's delay what it was with a fixed 64; with
 * every slot taken it grows until each drain takes what the workers produced since the last one. A fixed
 * budget let a caller that yields between bursts of sends (4,096 per macrotask from a load driver, or a
 * server answering one poll phase's requests) take a turn for every 64 verdicts: at 2× the maximum, the
 * drains that free slots got a fraction of the thread and goodput fell to half of what it is with this one.
 */
export class DrainBudget {
  private budget = MIN_DRAIN_BUDGET;

  get current(): number {
    return this.budget;
  }

  /** After a drain: `grow` when a ring still held verdicts while every slot was taken. */
  update(grow: boolean): void {
    this.budget = grow ? Math.min(MAX_DRAIN_BUDGET, this.budget * 2) : Math.max(MIN_DRAIN_BUDGET, this.budget >>> 1);
  }
}
