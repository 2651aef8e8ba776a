// An open-loop HTTP load at a fixed rate, in its own process: requests go on a timetable whatever the server
// does, and each latency counts from the request's intended time (../load/open-loop-schedule.ts).
//
// Why not autocannon's `-R`: it lets each connection send its whole per-second quota back to back at the
// start of every second, then idle, so at any "fixed rate" the server sees bursts of `connections` requests in
// flight, and its coordinated-omission correction fills in one synthetic sample per millisecond of each slow
// response. The P99 it reports at a fixed rate is its own burst's queueing: bare Fastify showed 11 ms at
// 1,000 req/s. autocannon stays the load for the maximum (closed loop, what it does well). The generator
// shares the machine's 2 cores with the server, so it stays light as autocannon does: prebuilt requests on raw
// keep-alive sockets, answers read with http-parser-js (autocannon's own parser); a general-purpose client
// cost about twice the CPU per request (ARCHITECTURE.md, "The HTTP bench paces its fixed rates itself").
//
//   node paced-load.js <url> <body> <rate req/s> <duration s> <warm-up s> <connections>   → prints a PacedLoadResult as JSON
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { HTTPParser } from 'http-parser-js';
import { LatencyHistogram } from '../../src/metrics/histogram.ts';
import { CHART_PERCENTILES, type DistributionPoint } from '../load/result.ts';
import { compiledModule } from '../compiled.ts';
import { paceOpenLoop } from '../load/open-loop.ts';
import { OpenLoopSchedule, OpenLoopSender } from '../load/open-loop-schedule.ts';
import { runJsonChild } from './json-child.ts';
import type { SendOutcome } from '../peers/peer.ts';

export interface PacedLoadSpec {
  url: string;
  body: string;
  rate: number;
  durationS: number;
  /** Seconds at the same rate before the measured run (connections warm, both sides' code optimized). */
  warmupS: number;
  connections: number;
}

export interface PacedLoadResult {
  /** Responses received per second of the run. */
  rps: number;
  /** From each request's intended time to the end of its response, ms. */
  latency: { p50: number; p99: number; max: number };
  /** Latency (µs) at the chart's percentiles, for the latency-by-percentile chart. */
  distribution: DistributionPoint[];
  /** Responses with a status outside 2xx. */
  non2xx: number;
  /** Requests that failed without a response, or were due and never sent (the generator fell behind). */
  errors: number;
  /** Requests the timetable held. */
  offered: number;
  /** The generator's own CPU over the measured run, in cores (1 = one core busy): it must stay light. */
  generatorCores: number;
}

/** Beyond this many outstanding the generator waits (and the wait counts as latency): bounded memory. */
const MAX_OUTSTANDING = 4_096;
/** HTTP status for a request whose connection failed before its response. */
const NO_RESPONSE = 0;

/**
 * One keep-alive connection: requests are written as they are due (pipelined when the previous answer is
 * still out), answers come back in order and settle the oldest request. Raw socket and a prebuilt request,
 * as autocannon does: the generator shares 2 cores with the server, so its cost per request must stay small.
 */
class Connection {
  private readonly waiting: ((status: number) => void)[] = [];
  private status = NO_RESPONSE;
  private open = true;
  readonly socket: Socket;

  constructor(host: string, port: number) {
    this.socket = connect({ host, port, noDelay: true });
    const parser = new HTTPParser(HTTPParser.RESPONSE);
    parser[HTTPParser.kOnHeadersComplete] = (info) => {
      this.status = info.statusCode;
    };
    parser[HTTPParser.kOnBody] = () => {};
    parser[HTTPParser.kOnMessageComplete] = () => {
      this.waiting.shift()?.(this.status);
    };
    this.socket.on('data', (chunk: Buffer) => {
      if (parser.execute(chunk) instanceof Error) this.socket.destroy();
    });
    this.socket.on('error', () => {});
    this.socket.on('close', () => {
      this.open = false;
      for (const settle of this.waiting.splice(0)) settle(NO_RESPONSE);
    });
  }

  get alive(): boolean {
    return this.open;
  }

  get outstanding(): number {
    return this.waiting.length;
  }

  /** Resolves with the answer's status, or NO_RESPONSE when the connection failed first. */
  send(request: Buffer): Promise<number> {
    if (!this.open) return Promise.resolve(NO_RESPONSE);
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.socket.write(request);
    });
  }
}

function requestBytes(target: URL, body: string): Buffer {
  const payload = Buffer.from(body);
  const head = `POST ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/json\r\nContent-Length: ${payload.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), payload]);
}

export async function pacedLoad(spec: PacedLoadSpec): Promise<PacedLoadResult> {
  const target = new URL(spec.url);
  const request = requestBytes(target, spec.body);
  const connections = Array.from({ length: spec.connections }, () => new Connection(target.hostname, Number(target.port || 80)));
  // Connected (or refused) before the clock starts.
  await Promise.all(connections.map((c) => Promise.race([once(c.socket, 'connect'), once(c.socket, 'close')]).catch(() => {})));
  let next = 0;
  // An idle connection when there is one, round robin; otherwise the least busy.
  const pick = (): Connection => {
    let best = connections[next]!;
    for (let k = 0; k < connections.length; k++) {
      const candidate = connections[(next + k) % connections.length]!;
      if (candidate.alive && (candidate.outstanding === 0 || !best.alive || candidate.outstanding < best.outstanding)) {
        best = candidate;
        if (candidate.outstanding === 0) break;
      }
    }
    next = (next + 1) % connections.length;
    return best;
  };

  const histogram = new LatencyHistogram();
  let responses = 0;
  let non2xx = 0;
  let failed = 0;
  let unsent = 0;
  let offered = 0;
  const startMs = performance.now() + 5;
  const measureFromMs = startMs + spec.warmupS * 1000;
  const stopAtMs = measureFromMs + spec.durationS * 1000;
  const schedule = new OpenLoopSchedule(spec.rate, startMs, stopAtMs);
  const sender = new OpenLoopSender(schedule, { maxOutstanding: MAX_OUTSTANDING, maxPerPump: 2048 }, {
    clock: () => performance.now(),
    send: async (index): Promise<SendOutcome> => {
      const measured = schedule.intendedAt(index) >= measureFromMs;
      const status = await pick().send(request);
      if (status === NO_RESPONSE) {
        if (measured) failed++;
        return 'error';
      }
      if (measured) responses++;
      if (status >= 200 && status <= 299) return 'delivered';
      if (measured) non2xx++;
      return 'error';
    },
    record: (latencyMs, intendedAtMs, _outcome, sent) => {
      if (intendedAtMs < measureFromMs) return;
      offered++;
      histogram.record(latencyMs * 1000);
      if (!sent) unsent++;
    },
  });
  let cpuFrom: NodeJS.CpuUsage | null = null;
  let cpuFromMs = 0;
  await paceOpenLoop(sender, stopAtMs, (now) => {
    if (cpuFrom === null && now >= measureFromMs) {
      cpuFrom = process.cpuUsage();
      cpuFromMs = now;
    }
  });
  const cpu = process.cpuUsage(cpuFrom ?? undefined);
  const cpuMs = performance.now() - (cpuFrom === null ? startMs : cpuFromMs);
  sender.recordUnsent();
  await sender.idle();
  for (const connection of connections) connection.socket.destroy();
  const summary = histogram.summary();
  return {
    rps: responses / spec.durationS,
    latency: { p50: summary.p50 / 1000, p99: summary.p99 / 1000, max: summary.max / 1000 },
    distribution: histogram.count === 0 ? [] : histogram.distribution(CHART_PERCENTILES),
    non2xx,
    errors: failed + unsent,
    offered,
    generatorCores: (cpu.user + cpu.system) / 1000 / cpuMs,
  };
}

/** Runs `pacedLoad` in its own process (compiled, as the bench runs everything), so the load never shares an event loop with the server. */
export function runPacedLoad(spec: PacedLoadSpec): Promise<PacedLoadResult> {
  const script = compiledModule(new URL('./paced-load.ts', import.meta.url));
  const args = [script, spec.url, spec.body, String(spec.rate), String(spec.durationS), String(spec.warmupS), String(spec.connections)];
  return runJsonChild<PacedLoadResult>('paced load', args, ((spec.durationS + spec.warmupS) * 3 + 30) * 1000);
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
