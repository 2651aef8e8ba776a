import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface EventLoopSummary {
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

/** Sampling interval of Node's monitor, ms. */
const RESOLUTION_MS = 1;

/**
 * Event-loop delay of the thread that embeds the bus: the number that says whether the bus leaves room
 * for the service around it. Node's monitor records the whole interval between its timer's firings
 * (measured here: an idle loop reports ~10.2 ms at a 10 ms resolution), so the resolution is subtracted
 * to get the delay itself.
 */
export class EventLoopMonitor {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private running = false;

  start(): void {
    if (this.running) return;
    this.histogram.enable();
    this.running = true;
  }

  stop(): void {
    if (!this.running) return;
    this.histogram.disable();
    this.running = false;
  }

  reset(): void {
    this.histogram.reset();
  }

  summary(): EventLoopSummary {
    const h = this.histogram;
    if (h.count === 0) return { p50Us: 0, p99Us: 0, maxUs: 0 };
    const delayUs = (ns: number): number => Math.max(0, Math.round(ns / 1000 - RESOLUTION_MS * 1000));
    return { p50Us: delayUs(h.percentile(50)), p99Us: delayUs(h.percentile(99)), maxUs: delayUs(h.max) };
  }
}
