/**
 * The Redis transport bench: cross-process throughput and latency, side by side in one run, of
 * - `raw`: plain node-redis (pipelined XADD → XREADGROUP COUNT 100 → one XACK per read), no transport;
 * - `transport`: RedisTransport alone (the effect ledger, the registry, the reply path);
 * - `bus-redis`: createAgentBus with the Redis transport on both sides, every message judged (bundled policy,
 *   deliberation off) before it enters Redis;
 * - `bus-in-process`: createAgentBus in one process, the same messages to an in-process handler;
 * all against one redis-server, then the scale-out of one agent's consumer group over 1 → N consumer processes
 * (the transport). Per mode:
 * - max: `count` messages sent as fast as the producer pipelines them (500 per event-loop turn, one batch in
 *   flight); msgs/s measured at the consumer, first send to last receipt.
 * - a latency curve: an open loop at each offered rate (fractions of raw's max, or `rates`) for `durationS`;
 *   one-way P50/P99 at the consumer (send time carried in the message; one clock on one machine), and for the
 *   transport and the bus over Redis also send() → remote handler settled (reply stream), one message in ten ticks.
 * Figures on a loaded machine are not figures: the lead measures on a quiet one.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { compiledModule } from '../compiled.ts';
import { performance } from 'node:perf_hooks';
import { createClient } from '@redis/client';
import { RedisTransport } from '../../src/delivery/redis/transport.ts';
import { createAgentBus, type AgentBus, type MessageInput, type SendStatus } from '../../src/index.ts';
import { createMessage } from '../../src/model/message.ts';
import { LatencyHistogram, type PercentileSummary } from '../../src/metrics/histogram.ts';
import { startRedisServer } from './redis-server.ts';

export const MODES = ['raw', 'transport', 'bus-redis', 'bus-in-process'] as const;
export type Mode = (typeof MODES)[number];

export interface RedisBenchOptions {
  /** Messages per max-rate run. */
  count: number;
  /** Seconds per point of the latency curve. */
  durationS: number;
  /** Offered rates of the curve as fractions of raw's max (used when `rates` is absent). */
  fractions: readonly number[];
  /** Offered rates of the curve, msgs/s. */
  rates?: readonly number[];
  /** Consumer process counts of the scale-out run. */
  consumers: readonly number[];
  modes: readonly Mode[];
  /** Prints progress lines; the report is returned either way. */
  log: (line: string) => void;
}

export const QUICK: Omit<RedisBenchOptions, 'log'> = { count: 2_000, durationS: 1, fractions: [0.25, 0.5], consumers: [1, 2], modes: MODES };
export const FULL: Omit<RedisBenchOptions, 'log'> = { count: 50_000, durationS: 3, fractions: [0.1, 0.25, 0.5, 0.75, 0.9], consumers: [1, 2, 3, 4], modes: MODES };

export interface CurvePoint {
  offeredRate: number;
  /** What was actually sent per second (below the offer when the producer falls behind). */
  sentRate: number;
  /** Sends that failed because the offer was past what the producer sustains (see OVERLOAD_CODES). */
  refused: number;
  oneWayUs: PercentileSummary;
  roundTripUs?: PercentileSummary;
}

export interface ModeResult {
  mode: Mode;
  maxMsgsPerS: number;
  /**
   * CPU time per message during the max run, µs: the sending process and the consumer process. Less sensitive
   * to other load on the machine than msgs/s (it counts this work, not the wait for a core).
   */
  cpuUsPerMsg: { producer: number; consumer: number };
  curve: CurvePoint[];
}

export interface RedisBenchReport {
  count: number;
  durationS: number;
  results: ModeResult[];
  /** Each mode's max over raw's, same run. */
  overRaw: Partial<Record<Mode, number>>;
  scaleOut: { processes: number; total: number; perProcess: number[] }[];
}

const BATCH = 500;
const PAD = 'x'.repeat(200); // ~300 B per envelope, as in the transport research
const now = () => performance.timeOrigin + performance.now();

interface Report {
  count: number;
  firstAt: number;
  lastAt: number;
  latencyUs: PercentileSummary;
  /** The sink process's CPU time since its reset (0 for the in-process sink: the producer's CPU counts it). */
  cpuUs: number;
}

/** Where messages arrive and are counted: a consumer process, or the bench's own process for the in-process bus. */
interface Sink {
  reset(): Promise<void>;
  report(): Promise<Report>;
  stop(): Promise<void>;
}

/** Consumer processes still running: killed if the bench ends early (an error must not leave them behind). */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

class ConsumerProcess implements Sink {
  private constructor(private readonly child: ChildProcess) {}

  static async spawn(mode: 'raw' | 'transport' | 'bus', url: string, prefix: string, name: string): Promise<ConsumerProcess> {
    const child = fork(compiledModule(new URL('./consumer-process.ts', import.meta.url)), {
      env: { ...process.env, BENCH_REDIS: JSON.stringify({ mode, url, prefix, consumer: name }) },
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    const consumer = new ConsumerProcess(child);
    await consumer.next();
    return consumer;
  }

  private next(): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const exited = (code: number | null) => reject(new Error(`consumer exited (${code})`));
      this.child.once('exit', exited);
      this.child.once('message', (message) => {
        this.child.off('exit', exited);
        resolve(message);
      });
    });
  }

  async report(): Promise<Report> {
    this.child.send('report');
    return (await this.next()) as Report;
  }

  async reset(): Promise<void> {
    this.child.send('reset');
    await this.next();
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send('stop');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    this.child.kill('SIGKILL');
  }
}

/** The in-process bus's handler, counting in this process. */
class LocalSink implements Sink {
  private readonly histogram = new LatencyHistogram();
  private count = 0;
  private firstAt = 0;
  private lastAt = 0;

  readonly record = (sentAt: number): void => {
    const at = now();
    if (this.count === 0) this.firstAt = at;
    this.lastAt = at;
    this.count++;
    this.histogram.record((at - sentAt) * 1000);
  };

  async reset(): Promise<void> {
    this.count = 0;
    this.histogram.reset();
  }

  async report(): Promise<Report> {
    return { count: this.count, firstAt: this.firstAt, lastAt: this.lastAt, latencyUs: this.histogram.summary(), cpuUs: 0 };
  }

  async stop(): Promise<void> {}
}

interface Producer {
  /**
   * Sends n messages; resolves when the producer considers them sent (raw: XADD acked; otherwise: accepted)
   * with how many failed because the offer was past its capacity (OVERLOAD_CODES). Any other failure throws.
   */
  sendBatch(n: number): Promise<number>;
  /** send() → remote handler settled (the reply path), where there is one; resolves 1 if it failed from overload, else 0. */
  sendAndWait?(): Promise<number>;
  close(): Promise<void>;
}

async function rawProducer(url: string, prefix: string): Promise<Producer> {
  const client = createClient({ url, RESP: 2 });
  await client.connect();
  const key = `${prefix}:raw`;
  return {
    async sendBatch(n) {
      const multi = client.multi();
      for (let i = 0; i < n; i++) multi.addCommand(['XADD', key, '*', 'm', JSON.stringify({ t: now(), pad: PAD })]);
      await multi.execAsPipeline();
      return 0;
    },
    async close() {
      await client.close();
    },
  };
}

async function transportProducer(url: string, prefix: string): Promise<Producer> {
  const transport = new RedisTransport({ url, keyPrefix: prefix });
  await transport.start();
  const message = () => createMessage({ from: 'bench-sender', to: 'bench-agent', type: 'event', tenantId: 'bench', payload: { t: now(), pad: PAD } });
  return {
    async sendBatch(n) {
      const outcomes = await Promise.all(Array.from({ length: n }, () => transport.deliver(message(), { fireAndForget: true })));
      return countRefused(outcomes.map((o) => ({ status: o.status, code: o.status === 'failed' ? o.code : undefined, detail: o })), 'accepted');
    },
    async sendAndWait() {
      const outcome = await transport.deliver(message());
      return countRefused([{ status: outcome.status, code: outcome.status === 'failed' ? outcome.code : undefined, detail: outcome }], 'delivered');
    },
    close: () => transport.close(),
  };
}

/** A bus as users run it (bundled policy, deliberation off so the figures are the transport's), sending as `bench-sender`. */
async function busProducer(bus: AgentBus, fireAndForgetStatus: SendStatus): Promise<Producer> {
  const input = (): MessageInput => ({ from: 'bench-sender', to: 'bench-agent', type: 'event', tenantId: 'bench', payload: { t: now(), pad: PAD } });
  return {
    async sendBatch(n) {
      const results = await Promise.all(Array.from({ length: n }, () => bus.send(input(), { fireAndForget: true })));
      return countRefused(results.map((r) => ({ status: r.status, code: r.code, detail: r })), fireAndForgetStatus);
    },
    async sendAndWait() {
      const result = await bus.send(input());
      return countRefused([{ status: result.status, code: result.code, detail: result }], 'delivered');
    },
    close: () => bus.close(),
  };
}

/**
 * What an offer past the producer's capacity gets: its queue to Redis full (E_UNAVAILABLE), replies past their
 * deadline (E_TIMEOUT), no room in flight (E_OVERLOADED). Counted, and the point marked overloaded; any other
 * outcome fails the run.
 */
const OVERLOAD_CODES = new Set(['E_UNAVAILABLE', 'E_TIMEOUT', 'E_OVERLOADED']);

function countRefused(outcomes: readonly { status: string; code?: string | undefined; detail: unknown }[], expected: string): number {
  let refused = 0;
  for (const o of outcomes) {
    if (o.status === expected) continue;
    if (OVERLOAD_CODES.has(o.code ?? '')) refused++;
    else throw new Error(`send failed: ${JSON.stringify(o.detail)}`);
  }
  return refused;
}

async function waitForCount(sinks: readonly Sink[], expected: number, timeoutMs = 120_000): Promise<Report[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const reports = await Promise.all(sinks.map((c) => c.report()));
    if (reports.reduce((sum, r) => sum + r.count, 0) >= expected) return reports;
    if (Date.now() > end) throw new Error(`only ${reports.reduce((s, r) => s + r.count, 0)} of ${expected} arrived`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Max throughput: `count` messages, one batch in flight; msgs/s from the first send to the last receipt. A
 * warm-up of a tenth as many (at most 5,000) goes first, so thread start-up and the JIT stay out of it.
 */
async function maxRate(producer: Producer, sinks: readonly Sink[], count: number): Promise<{ total: number; perProcess: number[]; cpuUsPerMsg: { producer: number; consumer: number } }> {
  await Promise.all(sinks.map((c) => c.reset()));
  const warmup = Math.min(5_000, Math.ceil(count / 10));
  const sendAll = async (total: number): Promise<void> => {
    for (let sent = 0; sent < total; sent += BATCH) {
      const refused = await producer.sendBatch(Math.min(BATCH, total - sent));
      if (refused > 0) throw new Error(`${refused} sends failed with ${BATCH} in flight`);
    }
  };
  await sendAll(warmup);
  await waitForCount(sinks, warmup);
  await Promise.all(sinks.map((c) => c.reset()));
  const began = now();
  const cpuBefore = process.cpuUsage();
  await sendAll(count);
  const reports = await waitForCount(sinks, count);
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = (Math.max(...reports.map((r) => r.lastAt)) - began) / 1000;
  return {
    total: Math.round(count / seconds),
    perProcess: reports.map((r) => Math.round(r.count / seconds)),
    cpuUsPerMsg: {
      producer: Math.round(((cpu.user + cpu.system) / count) * 10) / 10,
      consumer: Math.round((reports.reduce((sum, r) => sum + r.cpuUs, 0) / count) * 10) / 10,
    },
  };
}

/** Open loop at `rate` msgs/s for `durationS`: sends what is due every millisecond tick. */
async function latencyAt(producer: Producer, sink: Sink, rate: number, durationS: number): Promise<CurvePoint> {
  await sink.reset();
  const began = performance.now();
  let sent = 0;
  let ticks = 0;
  const pending: Promise<unknown>[] = [];
  let refused = 0;
  const roundTrip = new LatencyHistogram();
  const total = Math.round(rate * durationS);
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - began) / 1000) * rate));
    if (due > sent) {
      const n = due - sent;
      let batch = n;
      if (producer.sendAndWait !== undefined && ticks++ % 10 === 0) {
        const t0 = performance.now();
        pending.push(
          producer.sendAndWait().then((r) => {
            if (r === 0) roundTrip.record((performance.now() - t0) * 1000);
            refused += r;
          }),
        );
        batch--;
      }
      if (batch > 0) pending.push(producer.sendBatch(batch).then((r) => (refused += r)));
      sent += n;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const sentRate = Math.round(sent / ((performance.now() - began) / 1000));
  await Promise.all(pending);
  const [report] = await waitForCount([sink], sent - refused);
  return { offeredRate: rate, sentRate, refused, oneWayUs: report!.latencyUs, ...(producer.sendAndWait !== undefined ? { roundTripUs: roundTrip.summary() } : {}) };
}

async function waitForRemote(bus: AgentBus, id: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (bus.findAgent(id) === undefined) {
    if (Date.now() > end) throw new Error(`agent '${id}' did not reach the sending bus`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The producer and sink of one mode, started against `url` with a key prefix of their own. */
async function setUp(mode: Mode, url: string): Promise<{ producer: Producer; sink: Sink }> {
  const prefix = `bench-${mode}-${Date.now()}`;
  switch (mode) {
    case 'raw':
      return { sink: await ConsumerProcess.spawn('raw', url, prefix, 'raw-0'), producer: await rawProducer(url, prefix) };
    case 'transport':
      return { sink: await ConsumerProcess.spawn('transport', url, prefix, 'transport-0'), producer: await transportProducer(url, prefix) };
    case 'bus-redis': {
      const sink = await ConsumerProcess.spawn('bus', url, prefix, 'bus-0');
      const bus = await createAgentBus({ deliberation: false, log: () => {}, transport: { kind: 'redis', url, keyPrefix: prefix } });
      await bus.registerAgentAsync({ id: 'bench-sender', tenantId: 'bench', handler: () => {} });
      await waitForRemote(bus, 'bench-agent');
      return { sink, producer: await busProducer(bus, 'accepted') };
    }
    case 'bus-in-process': {
      const sink = new LocalSink();
      const bus = await createAgentBus({ deliberation: false, log: () => {} });
      bus.registerAgent({ id: 'bench-sender', tenantId: 'bench', handler: () => {} });
      bus.registerAgent({ id: 'bench-agent', tenantId: 'bench', handler: (message) => sink.record((message.payload as { t: number }).t) });
      return { sink, producer: await busProducer(bus, 'accepted') };
    }
  }
}

const ms = (us: number) => (us / 1000).toFixed(2);

export async function runRedisBench(options: RedisBenchOptions): Promise<RedisBenchReport> {
  const { log } = options;
  const server = process.env.REDIS_URL === undefined ? await startRedisServer() : undefined;
  const url = process.env.REDIS_URL ?? server!.url;
  const report: RedisBenchReport = { count: options.count, durationS: options.durationS, results: [], overRaw: {}, scaleOut: [] };
  try {
    log(`redis ${url}; ${options.count} messages per max-rate run, ${options.durationS} s per point of the latency curve`);
    // raw first: its max sets the curve's offered rates.
    const modes = [...new Set<Mode>(['raw', ...options.modes])];
    let rates: readonly number[] = options.rates ?? [];
    for (const mode of modes) {
      const { producer, sink } = await setUp(mode, url);
      try {
        const max = await maxRate(producer, [sink], options.count);
        if (mode === 'raw' && options.rates === undefined) rates = options.fractions.map((f) => Math.max(100, Math.round(f * max.total)));
        const curve: CurvePoint[] = [];
        for (const rate of rates) curve.push(await latencyAt(producer, sink, rate, options.durationS));
        report.results.push({ mode, maxMsgsPerS: max.total, cpuUsPerMsg: max.cpuUsPerMsg, curve });
        log(`${mode.padEnd(15)} max ${String(max.total).padStart(7)} msg/s | CPU per message: sender ${max.cpuUsPerMsg.producer} µs, consumer ${max.cpuUsPerMsg.consumer} µs`);
        for (const point of curve) {
          log(
            `${''.padEnd(15)} at ${String(point.offeredRate).padStart(7)} msg/s (sent ${point.sentRate}${point.refused > 0 ? `, ${point.refused} failed: overloaded` : ''}): one-way P50 ${ms(point.oneWayUs.p50)} ms P99 ${ms(point.oneWayUs.p99)} ms` +
              (point.roundTripUs ? ` | send→handler settled P50 ${ms(point.roundTripUs.p50)} ms P99 ${ms(point.roundTripUs.p99)} ms` : ''),
          );
        }
      } finally {
        await producer.close();
        await sink.stop();
      }
    }
    const rawMax = report.results.find((r) => r.mode === 'raw')!.maxMsgsPerS;
    for (const result of report.results) if (result.mode !== 'raw') report.overRaw[result.mode] = result.maxMsgsPerS / rawMax;
    log(`max over raw node-redis, same run: ${Object.entries(report.overRaw).map(([mode, ratio]) => `${mode} ${((ratio ?? 0) * 100).toFixed(0)}%`).join(', ')}`);

    for (const n of options.consumers) {
      const prefix = `bench-scale${n}-${Date.now()}`;
      const consumers = await Promise.all(Array.from({ length: n }, (_, i) => ConsumerProcess.spawn('transport', url, prefix, `scale-${i}`)));
      const producer = await transportProducer(url, prefix);
      try {
        const max = await maxRate(producer, consumers, options.count);
        report.scaleOut.push({ processes: n, total: max.total, perProcess: max.perProcess });
        log(`scale-out ${n} consumer process(es): total ${max.total} msg/s, per process ${max.perProcess.join(' / ')}`);
      } finally {
        await producer.close();
        await Promise.all(consumers.map((c) => c.stop()));
      }
    }
    return report;
  } finally {
    await server?.stop();
  }
}
