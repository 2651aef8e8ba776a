/** Verdicts per worker one drain takes when the rings keep up: small, so handlers never hold the loop long. */
export const MIN_DRAIN_BUDGET = 64;
/** The most one drain takes per worker, however far behind: the loop still turns under any backlog. */
export const MAX_DRAIN_BUDGET = 8192;

/**
 * How many verdicts per worker the next drain may take. A drain that leaves verdicts behind doubles it; one
 * that empties the rings halves it. Under normal load the rings empty every turn and the budget stays at
 * its minimum (the event loop's delay is what it was with a fixed 64); under a backlog it grows until
 * each drain takes what the workers produced since the last one. A fixed budget let a caller's own sends
 * (4,096 per macrotask from an open-loop driver, or a busy HTTP server) take nearly the whole main thread,
 * the drains that free slots got 64 verdicts per turn, and goodput fell to a fifth of the maximum.
 */
export class DrainBudget {
  private budget = MIN_DRAIN_BUDGET;

  get current(): number {
    return this.budget;
  }

  /** After a drain: `leftBehind` when a ring still held verdicts. */
  update(leftBehind: boolean): void {
    this.budget = leftBehind
      ? Math.min(MAX_DRAIN_BUDGET, this.budget * 2)
      : Math.max(MIN_DRAIN_BUDGET, this.budget >>> 1);
  }
}
