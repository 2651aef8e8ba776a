/**
 * How long an idle validation thread spins before it parks. Parking is cheap for the worker but costs the
 * main thread an `Atomics.notify` (a futex wake, tens of µs on these VMs) for the next batch, and the main
 * thread is the bottleneck. So the spin follows the recent gaps between batches: when they are short (steady
 * load, batches every few hundred µs) the worker keeps spinning across them and the main thread never pays
 * for a wake-up; when traffic is sparse the spin falls back to `minMicros` and the thread parks.
 */
export class AdaptiveSpin {
  private averageGapUs: number;

  constructor(
    private readonly minMicros: number,
    private readonly maxMicros: number,
  ) {
    this.averageGapUs = maxMicros;
  }

  /** Spin budget for the next idle period, µs. */
  current(): number {
    const wanted = this.averageGapUs * 2;
    if (wanted > this.maxMicros) return this.minMicros;
    return wanted < this.minMicros ? this.minMicros : wanted;
  }

  /** Records how long the last idle period lasted (until data arrived), µs. */
  observeGap(gapUs: number): void {
    const capped = gapUs > 100_000 ? 100_000 : gapUs;
    this.averageGapUs = this.averageGapUs * 0.75 + capped * 0.25;
  }
}
