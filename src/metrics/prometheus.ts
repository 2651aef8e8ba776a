// `agentbus/prometheus`: a bus's metrics on a prom-client Registry (prom-client is an optional peer
// dependency: only services that import this module need it).
//
// Sends are observed through a small facade rather than derived from `bus.metrics()`: a Prometheus histogram
// needs every observation in its bucket, and `metrics()` only keeps HDR percentiles over a window that
// `resetMetrics()` restarts, so deltas from it could give counts but never buckets. The facade costs one
// `then` per send, one histogram observation and one counter increment, and it reuses the latency the bus
// measured itself (`SendResult.latencyUs`), so both views agree. Everything that is state rather than an
// event (in flight, event-loop delay, policy cache, deliberation, workers, health) is read from the bus when
// Prometheus scrapes, and costs nothing between scrapes.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SendResult } from '../model/send-result.ts';
import type { AgentMessage, MessageInput } from '../model/message.ts';
import type { MetricsSnapshot } from './bus-metrics.ts';

/** What the exporter reads from a bus: `AgentBus` satisfies it; `health()` is used when the bus has it. */
export interface InstrumentableBus {
  send(input: MessageInput | AgentMessage): Promise<SendResult>;
  sendBatch(inputs: readonly (MessageInput | AgentMessage)[]): Promise<SendResult[]>;
  broadcast(input: Omit<MessageInput, 'to'> & { to?: string }): Promise<SendResult[]>;
  metrics(): MetricsSnapshot;
  readonly threads: readonly unknown[];
  health?(): BusHealthLike;
}

/** The part of `bus.health()` the exporter reads. */
export interface BusHealthLike {
  status: 'ok' | 'degraded' | 'down';
  restarts?: number;
  breakers?: Record<string, string> | unknown;
}

export interface InstrumentOptions {
  /** Registry to register on (default: a new one, `instrumented.registry`). */
  registry?: Registry;
  /** Metric name prefix. Default `agentbus_`. */
  prefix?: string;
  /** Also collect Node's default process metrics (CPU, memory, GC, event-loop lag, handles). Default true. */
  defaultMetrics?: boolean;
  /** Latency histogram buckets, seconds. Default: dense around the 5 ms target. */
  latencyBuckets?: readonly number[];
}

export interface InstrumentedBus {
  readonly registry: Registry;
  /** `bus.send`, observed. */
  send(input: MessageInput | AgentMessage): Promise<SendResult>;
  /** `bus.sendBatch`, each result observed. */
  sendBatch(inputs: readonly (MessageInput | AgentMessage)[]): Promise<SendResult[]>;
  /** `bus.broadcast`, each copy's result observed. */
  broadcast(input: Omit<MessageInput, 'to'> & { to?: string }): Promise<SendResult[]>;
  /** The Prometheus text exposition of the registry (GET /metrics). */
  metrics(): Promise<string>;
  /** The Content-Type for `metrics()`. */
  readonly contentType: string;
}

/** Seconds. Dense from 0.5 ms to 10 ms (the design's target is 5 ms end to end), sparse beyond. */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = [0.00025, 0.0005, 0.001, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5];

const HEALTH_VALUES = ['ok', 'degraded', 'down'] as const;

/** One line: `const metrics = instrumentBus(bus)`, send through `metrics.send`, serve `metrics.metrics()`. */
export function instrumentBus(bus: InstrumentableBus, options: InstrumentOptions = {}): InstrumentedBus {
  const registry = options.registry ?? new Registry();
  const prefix = options.prefix ?? 'agentbus_';
  const registers = [registry];
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  // One snapshot per scrape: every gauge below reads the same one (metrics() computes percentiles).
  let snapshot: MetricsSnapshot | null = null;
  let snapshotAt = 0;
  const current = (): MetricsSnapshot => {
    const now = performance.now();
    if (snapshot === null || now - snapshotAt > 100) {
      snapshot = bus.metrics();
      snapshotAt = now;
    }
    return snapshot;
  };

  const messages = new Counter({
    name: `${prefix}messages_total`,
    help: 'Settled sends by status and code (code="none" when delivered or accepted).',
    labelNames: ['status', 'code'] as const,
    registers,
  });
  const latency = new Histogram({
    name: `${prefix}send_latency_seconds`,
    help: 'send() until its promise settled, as the bus measured it (SendResult.latencyUs).',
    labelNames: ['status'] as const,
    buckets: [...(options.latencyBuckets ?? DEFAULT_LATENCY_BUCKETS)],
    registers,
  });
  new Gauge({
    name: `${prefix}in_flight`,
    help: 'Messages admitted and not yet settled.',
    registers,
    collect() {
      this.set(current().inFlight);
    },
  });
  new Gauge({
    name: `${prefix}event_loop_delay_seconds`,
    help: "Event-loop delay of the thread embedding the bus, over the bus's current metrics window.",
    labelNames: ['quantile'] as const,
    registers,
    collect() {
      const { p50Us, p99Us, maxUs } = current().eventLoopDelay;
      this.set({ quantile: '0.5' }, p50Us / 1e6);
      this.set({ quantile: '0.99' }, p99Us / 1e6);
      this.set({ quantile: '1' }, maxUs / 1e6);
    },
  });
  new Counter({
    name: `${prefix}policy_cache_total`,
    help: 'Policy decision cache lookups by result (hit, miss), summed over the validation workers.',
    labelNames: ['result'] as const,
    registers,
    collect() {
      const cache = current().policyCache;
      this.reset();
      if (cache === undefined) return;
      this.inc({ result: 'hit' }, cache.hits);
      this.inc({ result: 'miss' }, cache.misses);
    },
  });
  new Counter({
    name: `${prefix}deliberation_total`,
    help: 'Deliberation (Z3) counters by kind: decisions, allowed, denied, errors, timeouts, cacheHits, cacheMisses.',
    labelNames: ['kind'] as const,
    registers,
    collect() {
      const counts = current().deliberation;
      this.reset();
      if (counts === undefined) return;
      for (const [kind, value] of Object.entries(counts)) this.inc({ kind }, value);
    },
  });
  new Gauge({
    name: `${prefix}workers`,
    help: 'Validation worker threads: configured, and alive now.',
    labelNames: ['state'] as const,
    registers,
    collect() {
      this.set({ state: 'configured' }, current().workers.configured);
      this.set({ state: 'alive' }, bus.threads.length);
    },
  });
  new Counter({
    name: `${prefix}worker_restarts_total`,
    help: 'Validation workers replaced after a crash.',
    registers,
    collect() {
      this.reset();
      this.inc(current().workers.restarts);
    },
  });
  if (typeof bus.health === 'function') {
    new Gauge({
      name: `${prefix}health`,
      help: 'bus.health().status: 1 on the current status, 0 on the others.',
      labelNames: ['status'] as const,
      registers,
      collect() {
        const { status } = bus.health!();
        for (const value of HEALTH_VALUES) this.set({ status: value }, value === status ? 1 : 0);
      },
    });
  }

  const observe = (result: SendResult): SendResult => {
    messages.inc({ status: result.status, code: result.code ?? 'none' });
    latency.observe({ status: result.status }, result.latencyUs / 1e6);
    return result;
  };
  const observeAll = (results: SendResult[]): SendResult[] => {
    for (const result of results) observe(result);
    return results;
  };

  return {
    registry,
    contentType: registry.contentType,
    send: (input) => bus.send(input).then(observe),
    sendBatch: (inputs) => bus.sendBatch(inputs).then(observeAll),
    broadcast: (input) => bus.broadcast(input).then(observeAll),
    metrics: () => registry.metrics(),
  };
}
