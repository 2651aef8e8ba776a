import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { EventLoopMonitor } from '../../src/metrics/event-loop.ts';
import { LatencyHistogram } from '../../src/metrics/histogram.ts';
import { CHART_PERCENTILES, type DistributionPoint, type LoadResult } from './result.ts';

export interface WindowFigures {
  eventLoopP99Us: number;
  cpuS: number;
  mainThreadBusy: number;
  rssMb: number;
}

/**
 * What one measured window costs the process: CPU seconds (all threads), peak RSS (sampled every 100 ms),
 * event-loop delay P99 of the main thread. Each trial runs in its own child process, so RSS and CPU are the
 * peer's own, not the previous peer's garbage.
 */
export class MeasuredWindow {
  private readonly eventLoop = new EventLoopMonitor();
  private cpuAtStart = process.cpuUsage();
  private utilisationAtStart: EventLoopUtilization = performance.eventLoopUtilization();
  private peakRss = 0;
  private sampler: NodeJS.Timeout | null = null;

  begin(): void {
    this.eventLoop.start();
    this.eventLoop.reset();
    this.cpuAtStart = process.cpuUsage();
    this.utilisationAtStart = performance.eventLoopUtilization();
    this.peakRss = process.memoryUsage.rss();
    this.sampler = setInterval(() => this.sampleRss(), 100);
  }

  end(): WindowFigures {
    const cpu = process.cpuUsage(this.cpuAtStart);
    const busy = performance.eventLoopUtilization(this.utilisationAtStart).utilization;
    this.sampleRss();
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = null;
    const eventLoopP99Us = this.eventLoop.summary().p99Us;
    this.eventLoop.stop();
    return {
      eventLoopP99Us,
      cpuS: Math.round(((cpu.user + cpu.system) / 1e6) * 100) / 100,
      mainThreadBusy: Math.round(busy * 100) / 100,
      rssMb: Math.round(this.peakRss / 2 ** 20),
    };
  }

  private sampleRss(): void {
    this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
  }
}

export function distributionOf(histogram: LatencyHistogram): DistributionPoint[] {
  return histogram.count === 0 ? [] : histogram.distribution(CHART_PERCENTILES);
}

/** The latency fields of a LoadResult, from the load generator's histogram. */
export function latencyFields(histogram: LatencyHistogram): Pick<LoadResult, 'p50Us' | 'p90Us' | 'p99Us' | 'p999Us' | 'maxUs' | 'distribution'> {
  const s = histogram.summary();
  return { p50Us: s.p50, p90Us: s.p90, p99Us: s.p99, p999Us: s.p999, maxUs: s.max, distribution: distributionOf(histogram) };
}
