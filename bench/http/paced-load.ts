// An open-loop HTTP load at a fixed rate, in its own process: requests go on a timetable whatever the server
// does, and each latency counts from the request's intended time (../load/open-loop-schedule.ts).
//
// Why not autocannon's `-R`: it lets each connection send its whole per-second quota back to back at the
// start of every second, then idle, so at any "fixed rate" the server sees bursts of `connections` requests in
// flight, and its coordinated-omission correction fills in one synthetic sample per millisecond of each slow
// response. The P99 it reports at a fixed rate is its own burst's queueing: bare Fastify showed 11 ms at
// 1,000 req/s. autocannon stays the load for the maximum (closed loop, what it does well).
//
//   node paced-load.js <url> <body> <rate req/s> <duration s> <warm-up s> <connections>   → prints a PacedLoadResult as JSON
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { LatencyHistogram } from '../../src/metrics/histogram.ts';
import { compiledModule } from '../compiled.ts';
import { OpenLoopSchedule, OpenLoopSender } from '../load/open-loop-schedule.ts';

export interface PacedLoadSpec {
  url: string;
  body: string;
  rate: number;
  durationS: number;
  /** Seconds at the same rate before the measured run (connections opened, both sides' code optimized). */
  warmupS: number;
  connections: number;
}

export interface PacedLoadResult {
  /** Responses received per second of the run. */
  rps: number;
  /** From each request's intended time to the end of its response, ms. */
  latency: { p50: number; p99: number; max: number };
  /** Responses with a status outside 2xx. */
  non2xx: number;
  /** Requests that failed without a response, or were due and never sent (the generator fell behind). */
  errors: number;
  /** Requests the timetable held. */
  offered: number;
  /** The generator's own CPU over the run, in cores (1 = one core busy): it must not be what limits the run. */
  generatorCores: number;
}

/** Beyond this many outstanding the generator waits (and the wait counts as latency): bounded memory. */
const MAX_OUTSTANDING = 4_096;

export async function pacedLoad(spec: PacedLoadSpec): Promise<PacedLoadResult> {
  const target = new URL(spec.url);
  // A server that stops answering fails its requests after 10 s instead of holding the run open.
  const pool = new Pool(target.origin, { connections: spec.connections, pipelining: 1, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const histogram = new LatencyHistogram();
  let responses = 0;
  let non2xx = 0;
  let failed = 0;
  let unsent = 0;
  let offered = 0;
  const cpuBefore = process.cpuUsage();
  const startMs = performance.now() + 5;
  const measureFromMs = startMs + spec.warmupS * 1000;
  const stopAtMs = measureFromMs + spec.durationS * 1000;
  const schedule = new OpenLoopSchedule(spec.rate, startMs, stopAtMs);
  const sender = new OpenLoopSender(schedule, { maxOutstanding: MAX_OUTSTANDING, maxPerPump: 2048 }, {
    clock: () => performance.now(),
    send: async (index) => {
      const measured = schedule.intendedAt(index) >= measureFromMs;
      try {
        const response = await pool.request({ path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json' }, body: spec.body });
        await response.body.dump();
        if (measured) responses++;
        if (response.statusCode >= 200 && response.statusCode <= 299) return 'delivered';
        if (measured) non2xx++;
      } catch {
        if (measured) failed++;
      }
      return 'error';
    },
    record: (latencyMs, intendedAtMs, _outcome, sent) => {
      if (intendedAtMs < measureFromMs) return;
      offered++;
      histogram.record(latencyMs * 1000);
      if (!sent) unsent++;
    },
  });
  // As the bus's open loop: sleep on a timer until the next request is due, then send all that are due (a
  // timer wakes up to ~1 ms late, and that lateness is in every latency); never spin a core.
  await new Promise<void>((resolve) => {
    const turn = (): void => {
      sender.pump();
      const now = performance.now();
      if (now >= stopAtMs) return resolve();
      const waitMs = Math.min(sender.waitMs(now), stopAtMs - now);
      if (waitMs <= 0) setImmediate(turn);
      else setTimeout(turn, waitMs);
    };
    setImmediate(turn);
  });
  sender.recordUnsent();
  await sender.idle();
  await pool.close();
  const cpu = process.cpuUsage(cpuBefore);
  const elapsedMs = performance.now() - startMs;
  const summary = histogram.summary();
  return {
    rps: responses / spec.durationS,
    latency: { p50: summary.p50 / 1000, p99: summary.p99 / 1000, max: summary.max / 1000 },
    non2xx,
    errors: failed + unsent,
    offered,
    generatorCores: (cpu.user + cpu.system) / 1000 / elapsedMs,
  };
}

/** Runs `pacedLoad` in its own process (compiled, as the bench runs everything), so the load never shares an event loop with the server. */
export function runPacedLoad(spec: PacedLoadSpec): Promise<PacedLoadResult> {
  const script = compiledModule(new URL('./paced-load.ts', import.meta.url));
  const args = [script, spec.url, spec.body, String(spec.rate), String(spec.durationS), String(spec.warmupS), String(spec.connections)];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { timeout: ((spec.durationS + spec.warmupS) * 3 + 30) * 1000, maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`paced load failed: ${error.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout) as PacedLoadResult);
      } catch {
        reject(new Error(`paced load printed no JSON: ${stdout.slice(0, 500)}\n${stderr}`));
      }
    });
  });
}

async function main(): Promise<void> {
  const [url, body, rate, durationS, warmupS, connections] = process.argv.slice(2);
  const numbers = [rate, durationS, warmupS, connections].map(Number);
  if (url === undefined || body === undefined || !numbers.every((n) => Number.isFinite(n) && n >= 0) || numbers[0] === 0 || numbers[1] === 0 || numbers[3] === 0) {
    throw new Error('usage: paced-load <url> <body> <rate req/s> <duration s> <warm-up s> <connections>');
  }
  const result = await pacedLoad({ url, body, rate: numbers[0]!, durationS: numbers[1]!, warmupS: numbers[2]!, connections: Math.round(numbers[3]!) });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  main().catch((error: unknown) => {
    process.stderr.write(`paced-load: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
}
