import type { ErrorCode } from '../errors.ts';
import { EventLoopMonitor, type EventLoopSummary } from './event-loop.ts';
import { LatencyHistogram, type PercentileSummary } from './histogram.ts';

import type { SendStatus } from '../model/send-result.ts';

export type { SendStatus };

export interface MetricsSnapshot {
  /** Seconds covered by these figures (since start or the last `resetMetrics()`). */
  elapsedS: number;
  /** Settled messages per second over `elapsedS`. */
  messagesPerSecond: number;
  settled: number;
  byStatus: Record<SendStatus, number>;
  byCode: Partial<Record<ErrorCode, number>>;
  inFlight: number;
  /** End to end: `send()` until its promise settles, µs. */
  latencyUs: PercentileSummary;
  /** From `send()` until a worker picked the message up, µs. */
  queuedUs: PercentileSummary;
  /** Time in the worker's pipeline, µs. */
  pipelineUs: PercentileSummary;
  eventLoopDelay: EventLoopSummary;
  policyCache?: { hits: number; misses: number };
  deliberation?: Record<string, number>;
  workers: { configured: number; restarts: number; mode: 'workers' | 'inline' };
}

/** Everything `bus.metrics()` reports, recorded on the main thread as verdicts arrive. */
export class BusMetrics {
  readonly latency = new LatencyHistogram();
  readonly queued = new LatencyHistogram();
  readonly pipeline = new LatencyHistogram();
  readonly eventLoop = new EventLoopMonitor();
  private readonly statusCounts: Record<SendStatus, number> = { delivered: 0, accepted: 0, rejected: 0, failed: 0, expired: 0 };
  private readonly codeCounts = new Map<ErrorCode, number>();
  private settled = 0;
  private since = performance.now();
  restarts = 0;

  recordSettled(status: SendStatus, code: ErrorCode | undefined, latencyUs: number): void {
    this.settled++;
    this.statusCounts[status]++;
    if (code !== undefined) this.codeCounts.set(code, (this.codeCounts.get(code) ?? 0) + 1);
    this.latency.record(latencyUs);
  }

  recordWorkerTimes(queuedUs: number, pipelineUs: number): void {
    this.queued.record(queuedUs);
    this.pipeline.record(pipelineUs);
  }

  reset(): void {
    this.latency.reset();
    this.queued.reset();
    this.pipeline.reset();
    this.eventLoop.reset();
    for (const key of Object.keys(this.statusCounts) as SendStatus[]) this.statusCounts[key] = 0;
    this.codeCounts.clear();
    this.settled = 0;
    this.since = performance.now();
  }

  snapshot(inFlight: number, workers: MetricsSnapshot['workers']): MetricsSnapshot {
    const elapsedS = (performance.now() - this.since) / 1000;
    return {
      elapsedS: Math.round(elapsedS * 1000) / 1000,
      messagesPerSecond: elapsedS > 0 ? Math.round(this.settled / elapsedS) : 0,
      settled: this.settled,
      byStatus: { ...this.statusCounts },
      byCode: Object.fromEntries(this.codeCounts) as Partial<Record<ErrorCode, number>>,
      inFlight,
      latencyUs: this.latency.summary(),
      queuedUs: this.queued.summary(),
      pipelineUs: this.pipeline.summary(),
      eventLoopDelay: this.eventLoop.summary(),
      workers,
    };
  }
}
