// `npm run bench:http`: the example Fastify service with the default bus against the same app answering
// without the bus, side by side in one run: req/s and P50/P99 end to end, at the maximum (autocannon, closed
// loop) and at fixed rates (an open loop paced on a timetable: ./paced-load.ts says why not autocannon's -R),
// including 50% of the bus's maximum (where the design targets P99 ≤ 5 ms). Each load runs in its own process.
//
//   npm run bench:http -- [--duration 10] [--warmup 2] [--connections 32] [--rates 1000,5000] [--repeat 1] [--json]
//                          [--charts bench/charts]   (one latency-by-percentile SVG per fixed rate, both targets)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { DistributionPoint } from '../load/result.ts';
import { percentileChartSvg } from '../report/svg-chart.ts';
import { runAutocannon, type AutocannonResult } from './autocannon.ts';
import { runPacedLoad } from './paced-load.ts';
import { startServer, type RunningServer } from './server-process.ts';

export type Target = 'fastify' | 'fastify+agentbus';

/** One load's figures, whichever generator produced them. */
interface LoadFigures {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
  /** The load generator's own CPU, in cores (fixed rates; autocannon does not report it). */
  generatorCores: number | null;
  /** Latency at the chart's percentiles (fixed rates: the bench's own histogram; autocannon gives none). */
  distribution: readonly DistributionPoint[];
}

export interface HttpBenchRow extends LoadFigures {
  target: Target;
  /** 'max' or the offered rate, req/s. */
  load: 'max' | number;
  /** A fixed rate the server did not keep up with (under 95% of it answered). */
  overloaded: boolean;
}

export interface HttpBenchReport {
  settings: { durationS: number; warmupS: number; connections: number; rates: number[]; repeat: number };
  rows: HttpBenchRow[];
  /** The bus's maximum req/s over the bare app's, same run. */
  maxRatio: number;
  /** The rate at 50% of the bus's maximum, measured for both targets. */
  halfMaxRate: number;
}

/** One governed message per request: planner → coder through the default policy (and deliberation's scoring). */
const BODY = JSON.stringify({ from: 'planner', type: 'task_request', tenantId: 'acme', payload: { task: 'write the tests', priority: 'normal' } });

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function fromAutocannon(result: AutocannonResult): LoadFigures {
  return {
    rps: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    generatorCores: null,
    distribution: [],
  };
}

function row(target: Target, load: 'max' | number, runs: LoadFigures[]): HttpBenchRow {
  const rps = median(runs.map((r) => r.rps));
  const cores = runs.map((r) => r.generatorCores).filter((c): c is number => c !== null);
  return {
    target,
    load,
    rps,
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    maxMs: median(runs.map((r) => r.maxMs)),
    non2xx: runs.reduce((s, r) => s + r.non2xx, 0),
    errors: runs.reduce((s, r) => s + r.errors, 0),
    overloaded: load !== 'max' && rps < 0.95 * load,
    generatorCores: cores.length > 0 ? median(cores) : null,
    // The repetition whose P99 is the median: its whole curve, not a mix of repetitions.
    distribution: [...runs].sort((a, b) => a.p99Ms - b.p99Ms)[Math.floor(runs.length / 2)]!.distribution,
  };
}

export async function runHttpBench(settings: HttpBenchReport['settings'], log: (line: string) => void): Promise<HttpBenchReport> {
  const servers = new Map<Target, RunningServer>();
  try {
    // Both servers up at once, so the alternating runs below see the same machine state.
    servers.set('fastify', await startServer(false));
    servers.set('fastify+agentbus', await startServer(true));
    const url = (target: Target): string => `${servers.get(target)!.base}/agents/coder/messages`;
    const measureMax = async (target: Target, durationS: number): Promise<LoadFigures> =>
      fromAutocannon(await runAutocannon({ url: url(target), body: BODY, durationS, connections: settings.connections }));
    const measureRate = async (target: Target, rate: number): Promise<LoadFigures> => {
      const result = await runPacedLoad({ url: url(target), body: BODY, rate, durationS: settings.durationS, warmupS: settings.warmupS, connections: settings.connections });
      return { rps: result.rps, p50Ms: result.latency.p50, p99Ms: result.latency.p99, maxMs: result.latency.max, non2xx: result.non2xx, errors: result.errors, generatorCores: result.generatorCores, distribution: result.distribution };
    };

    for (const target of servers.keys()) {
      log(`warm-up: ${target}, ${settings.warmupS} s`);
      await measureMax(target, settings.warmupS);
    }
    const runs = new Map<string, LoadFigures[]>();
    const record = (target: Target, load: 'max' | number, result: LoadFigures): void => {
      const key = `${target}|${load}`;
      runs.set(key, [...(runs.get(key) ?? []), result]);
    };
    const targets = [...servers.keys()];
    for (let rep = 0; rep < settings.repeat; rep++) {
      // Alternate which target goes first, so neither always runs on the fresher machine.
      for (const target of rep % 2 === 0 ? targets : [...targets].reverse()) {
        log(`repetition ${rep + 1}: ${target} at maximum, ${settings.durationS} s`);
        record(target, 'max', await measureMax(target, settings.durationS));
      }
    }
    const busMax = median(runs.get('fastify+agentbus|max')!.map((r) => r.rps));
    const halfMaxRate = Math.max(1, Math.round(busMax / 2));
    const rates = [...new Set([...settings.rates, halfMaxRate])].sort((a, b) => a - b);
    for (let rep = 0; rep < settings.repeat; rep++) {
      for (const rate of rates) {
        for (const target of rep % 2 === 0 ? targets : [...targets].reverse()) {
          log(`repetition ${rep + 1}: ${target} at ${rate} req/s, ${settings.durationS} s`);
          record(target, rate, await measureRate(target, rate));
        }
      }
    }
    const rows: HttpBenchRow[] = [];
    for (const load of ['max' as const, ...rates]) for (const target of targets) rows.push(row(target, load, runs.get(`${target}|${load}`)!));
    const bareMax = rows.find((r) => r.target === 'fastify' && r.load === 'max')!.rps;
    return { settings: { ...settings, rates }, rows, maxRatio: bareMax > 0 ? busMax / bareMax : 0, halfMaxRate };
  } finally {
    for (const [target, server] of servers) {
      const code = await server.stop();
      if (code !== 0) log(`warning: ${target} exited with ${code} on SIGTERM`);
    }
  }
}

/** One latency-by-percentile chart per fixed rate, bare app and bus side by side; returns the files written. */
export function writeHttpCharts(report: HttpBenchReport, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const rates = [...new Set(report.rows.map((r) => r.load))].filter((load): load is number => load !== 'max');
  for (const rate of rates) {
    const rows = report.rows.filter((r) => r.load === rate && r.distribution.length > 0);
    if (rows.length === 0) continue;
    const half = rate === report.halfMaxRate ? ' (50% of the bus\'s maximum)' : '';
    const file = join(dir, `latency-http-${rate}.svg`);
    writeFileSync(file, percentileChartSvg({
      title: `HTTP, ${rate.toLocaleString('en-US')} req/s${half}: latency by percentile`,
      subtitle: `end to end, from each request's intended time; the repetition with the median P99 of ${report.settings.repeat}`,
      series: rows.map((r) => ({ name: r.target, points: r.distribution })),
    }));
    written.push(file);
  }
  return written;
}

export function formatHttpBench(report: HttpBenchReport): string {
  const header = ['target', 'load', 'req/s', 'P50 ms', 'P99 ms', 'max ms', 'non-2xx', 'errors', 'generator CPU', ''];
  const lines = report.rows.map((r) => [
    r.target,
    r.load === 'max' ? 'max' : `${r.load} req/s${r.load === report.halfMaxRate ? ' (50% of bus max)' : ''}`,
    Math.round(r.rps).toLocaleString('en-US'),
    r.p50Ms.toFixed(2),
    r.p99Ms.toFixed(2),
    r.maxMs.toFixed(2),
    String(r.non2xx),
    String(r.errors),
    r.generatorCores === null ? '' : `${Math.round(r.generatorCores * 100)}%`,
    r.overloaded ? 'overloaded' : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const { durationS, connections, repeat } = report.settings;
  return [
    `HTTP: POST /agents/coder/messages, ${connections} connections, ${durationS} s per load, median of ${repeat}; latency end to end: at max autocannon (closed loop), at fixed rates an open loop from each request's intended time (generator CPU: its own, % of a core)`,
    fmt(header),
    ...lines.map(fmt),
    `fastify+agentbus max / fastify max: ${(report.maxRatio * 100).toFixed(1)}% (the bus costs ${((1 - report.maxRatio) * 100).toFixed(1)}% of the bare app's maximum)`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '32' },
      rates: { type: 'string', default: '1000,5000' },
      repeat: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
      charts: { type: 'string' },
    },
  });
  const positive = (name: string, text: string): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name}: '${text}' is not a positive number`);
    return n;
  };
  const settings = {
    durationS: positive('duration', values.duration),
    warmupS: positive('warmup', values.warmup),
    connections: Math.round(positive('connections', values.connections)),
    rates: values.rates.split(',').filter(Boolean).map((r) => positive('rates', r)),
    repeat: Math.round(positive('repeat', values.repeat)),
  };
  const report = await runHttpBench(settings, values.json ? () => {} : (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatHttpBench(report)}\n`);
  if (values.charts !== undefined) for (const file of writeHttpCharts(report, values.charts)) process.stderr.write(`wrote ${file}\n`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench:http: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
}
