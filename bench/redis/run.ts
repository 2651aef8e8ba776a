/**
 * Redis transport bench: cross-process throughput and latency of RedisTransport next to raw node-redis
 * (pipelined XADD → XREADGROUP COUNT 100 → XACK, no transport) on the same redis-server, and the scale-out
 * of one agent's consumer group over 1 → N consumer processes.
 *
 *   npm run bench:redis -- [--count 50000] [--rate N] [--duration 3] [--consumers 1,2,4] [--quick] [--json]
 *
 * Starts its own redis-server (AOF everysec, like the tests) unless REDIS_URL is set. Phases, per mode:
 * - max: `count` messages sent as fast as the producer pipelines them (500 per event-loop turn, one
 *   pipeline in flight); msgs/s measured at the consumer, first to last receipt.
 * - latency: an open-loop offered rate (default: half of raw's max) for `duration` s; one-way P50/P99 at
 *   the consumer; for the transport also send() → remote handler settled (reply stream) at the sender.
 * - scale-out (transport): `count` messages to one agent served by N processes; per-process and total msgs/s.
 * Figures on a loaded machine are not figures: run it on a quiet one.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient } from '@redis/client';
import { RedisTransport } from '../../src/delivery/redis/transport.ts';
import { createMessage } from '../../src/model/message.ts';
import { LatencyHistogram } from '../../src/metrics/histogram.ts';
import type { PercentileSummary } from '../../src/metrics/histogram.ts';
import { startRedisServer } from './redis-server.ts';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    consumers: { type: 'string' },
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const COUNT = Number(args.count ?? (args.quick ? 2_000 : 50_000));
const DURATION_S = Number(args.duration ?? (args.quick ? 1 : 3));
const CONSUMERS = (args.consumers ?? (args.quick ? '1,2' : '1,2,4')).split(',').map(Number);
const BATCH = 500;
const PAD = 'x'.repeat(200); // ~300 B per envelope, as in the transport research

const now = () => performance.timeOrigin + performance.now();
const log = (line: string) => {
  if (!args.json) console.log(line);
};

interface Report {
  count: number;
  firstAt: number;
  lastAt: number;
  latencyUs: PercentileSummary;
}

/** Consumer processes still running: killed if the bench ends early (an error must not leave them behind). */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

class Consumer {
  private constructor(private readonly child: ChildProcess) {}

  static async spawn(mode: 'raw' | 'transport', url: string, prefix: string, name: string): Promise<Consumer> {
    const child = fork(fileURLToPath(new URL('./consumer-process.ts', import.meta.url)), {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, BENCH_REDIS: JSON.stringify({ mode, url, prefix, consumer: name }) },
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    const consumer = new Consumer(child);
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

/** Sends one message; resolves when the producer considers it sent (raw: XADD acked; transport: accepted). */
interface Producer {
  sendBatch(n: number): Promise<void>;
  /** For the transport's round trip: send() → remote handler settled. */
  sendAndWait?(): Promise<void>;
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
      const bad = outcomes.find((o) => o.status !== 'accepted');
      if (bad !== undefined) throw new Error(`send failed: ${JSON.stringify(bad)}`);
    },
    async sendAndWait() {
      const outcome = await transport.deliver(message());
      if (outcome.status !== 'delivered') throw new Error(`send failed: ${JSON.stringify(outcome)}`);
    },
    close: () => transport.close(),
  };
}

async function waitForCount(consumers: readonly Consumer[], expected: number, timeoutMs = 60_000): Promise<Report[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const reports = await Promise.all(consumers.map((c) => c.report()));
    if (reports.reduce((sum, r) => sum + r.count, 0) >= expected) return reports;
    if (Date.now() > end) throw new Error(`only ${reports.reduce((s, r) => s + r.count, 0)} of ${expected} arrived`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Max throughput: COUNT messages, one pipeline of BATCH in flight; msgs/s from the first send to the last receipt. */
async function maxRate(producer: Producer, consumers: readonly Consumer[]): Promise<{ total: number; perProcess: number[] }> {
  await Promise.all(consumers.map((c) => c.reset()));
  const began = now();
  for (let sent = 0; sent < COUNT; sent += BATCH) await producer.sendBatch(Math.min(BATCH, COUNT - sent));
  const reports = await waitForCount(consumers, COUNT);
  const lastAt = Math.max(...reports.map((r) => r.lastAt));
  return {
    total: Math.round(COUNT / ((lastAt - began) / 1000)),
    perProcess: reports.map((r) => Math.round(r.count / ((lastAt - began) / 1000))),
  };
}

/** Open loop at `rate` msgs/s for DURATION_S: sends what is due every millisecond tick. */
async function latencyAt(producer: Producer, consumer: Consumer, rate: number): Promise<{ oneWay: PercentileSummary; roundTrip?: PercentileSummary }> {
  await consumer.reset();
  const began = performance.now();
  let sent = 0;
  let ticks = 0;
  const pending: Promise<void>[] = [];
  const roundTrip = new LatencyHistogram();
  const total = Math.round(rate * DURATION_S);
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - began) / 1000) * rate));
    if (due > sent) {
      const n = due - sent;
      // One message in every 10th tick (transport only) measures the round trip through the reply stream.
      let batch = n;
      if (producer.sendAndWait !== undefined && ticks++ % 10 === 0) {
        const t0 = performance.now();
        pending.push(producer.sendAndWait().then(() => roundTrip.record((performance.now() - t0) * 1000)));
        batch--;
      }
      if (batch > 0) pending.push(producer.sendBatch(batch));
      sent += n;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(pending);
  const [report] = await waitForCount([consumer], sent);
  return { oneWay: report!.latencyUs, ...(producer.sendAndWait !== undefined ? { roundTrip: roundTrip.summary() } : {}) };
}

const ms = (us: number) => (us / 1000).toFixed(2);

async function main(): Promise<void> {
  const server = process.env.REDIS_URL === undefined ? await startRedisServer() : undefined;
  const url = process.env.REDIS_URL ?? server!.url;
  const results: Record<string, unknown> = { count: COUNT, durationS: DURATION_S };
  try {
    log(`redis ${url}; ${COUNT} messages per max-rate run, ${DURATION_S} s per latency run`);
    let rawMax = 0;
    for (const mode of ['raw', 'transport'] as const) {
      const prefix = `bench-${mode}-${Date.now()}`;
      const consumer = await Consumer.spawn(mode, url, prefix, `${mode}-0`);
      const producer = mode === 'raw' ? await rawProducer(url, prefix) : await transportProducer(url, prefix);
      const max = await maxRate(producer, [consumer]);
      if (mode === 'raw') rawMax = max.total;
      const rate = Number(args.rate ?? Math.max(100, Math.round(rawMax / 2)));
      const latency = await latencyAt(producer, consumer, rate);
      results[mode] = { maxMsgsPerS: max.total, offeredRate: rate, latencyUs: latency };
      log(`${mode.padEnd(9)} max ${String(max.total).padStart(7)} msg/s | at ${rate} msg/s one-way P50 ${ms(latency.oneWay.p50)} ms P99 ${ms(latency.oneWay.p99)} ms` +
        (latency.roundTrip ? ` | send→handler settled P50 ${ms(latency.roundTrip.p50)} ms P99 ${ms(latency.roundTrip.p99)} ms` : ''));
      await producer.close();
      await consumer.stop();
    }
    const transportMax = (results.transport as { maxMsgsPerS: number }).maxMsgsPerS;
    log(`transport / raw: ${((transportMax / rawMax) * 100).toFixed(0)}%`);
    results.transportOverRaw = transportMax / rawMax;

    const scale: { processes: number; total: number; perProcess: number[] }[] = [];
    for (const n of CONSUMERS) {
      const prefix = `bench-scale${n}-${Date.now()}`;
      const consumers = await Promise.all(Array.from({ length: n }, (_, i) => Consumer.spawn('transport', url, prefix, `scale-${i}`)));
      const producer = await transportProducer(url, prefix);
      const max = await maxRate(producer, consumers);
      scale.push({ processes: n, ...max });
      log(`scale-out ${n} consumer process(es): total ${max.total} msg/s, per process ${max.perProcess.join(' / ')}`);
      await producer.close();
      await Promise.all(consumers.map((c) => c.stop()));
    }
    results.scaleOut = scale;
    if (args.json) console.log(JSON.stringify(results, null, 2));
  } finally {
    await server?.stop();
  }
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
}
process.exit();
