import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import { defaultWorkerCount } from '../src/config.ts';
import type { BenchPipeline } from './peers/pipeline-spec.ts';
import { runLoad, type LoadProgress } from './load.ts';
import { machineInfo } from './machine.ts';
import { runMicroCompiled } from './micro.ts';
import { PEER_NAMES, type PeerName } from './peers/peer.ts';
import type { BenchReport } from './report/bench-report.ts';
import { benchmarksMarkdown, COMPONENT_FIGURES, type ChartPaths } from './report/markdown.ts';
import { percentileChartSvg } from './report/svg-chart.ts';
import { resultSections, textReport } from './report/table.ts';
import { formatRate } from './report/format.ts';

export type { BenchReport } from './report/bench-report.ts';

export interface BenchOptions {
  json: boolean;
  durationS: number;
  warmupS: number;
  pipeline: BenchPipeline;
  inFlight: number;
  workers?: number;
  quick: boolean;
  repeat: number;
  openRates: number[];
  peers: PeerName[];
  /** Also run the micro-benchmarks (always on with `write`). */
  micro: boolean;
  /** Regenerate BENCHMARKS.md and its charts. */
  write: boolean;
  /** The command as typed, recorded with the figures. */
  command: string;
}

/** Settings of a full run and of `--quick` (which must finish in under a minute on 2 cores). */
/**
 * Settings of a full run and of `--quick` (which must finish in under a minute on 2 cores). `maxOutstanding`:
 * open loop, messages outstanding at most before the sender waits (the wait still counts as latency); it
 * also bounds how long an overloaded peer takes to drain after its window, which is what keeps --quick short.
 */
export const FULL_RUN = { durationS: 3, warmupS: 0.5, repeat: 3, openRates: [10_000, 50_000, 100_000, 200_000], maxOutstanding: 8_192 } as const;
export const QUICK_RUN = { durationS: 1, warmupS: 0.25, repeat: 1, openRates: [10_000, 100_000], maxOutstanding: 2_048 } as const;

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BENCHMARKS_PATH = join(REPO_ROOT, 'BENCHMARKS.md');
export const CHARTS_DIR = join(REPO_ROOT, 'bench', 'charts');

function progressBar(): { update: (p: LoadProgress) => void; stop: () => void } | null {
  if (!process.stderr.isTTY) return null;
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: '{bar} {percentage}% | repetition {rep}, {peer}: {label} | {settled} settled | ETA {eta_formatted}', hideCursor: true, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: (p) => {
      const payload = { rep: p.repetition + 1, peer: p.peer, label: p.label, settled: p.settled.toLocaleString('en-US') };
      if (!started) {
        bar.start(Math.ceil(p.totalS * 10), 0, payload);
        started = true;
      }
      bar.update(Math.min(Math.floor(p.doneS * 10), Math.ceil(p.totalS * 10)), payload);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

/** Runs the load comparison (and the micro-benchmarks when asked); returns everything it measured. */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const workers = options.workers ?? defaultWorkerCount();
  const bar = options.json ? null : progressBar();
  let load: Awaited<ReturnType<typeof runLoad>>;
  try {
    load = await runLoad(
      {
        peers: options.peers,
        pipeline: options.pipeline,
        workers,
        inFlight: options.inFlight,
        openRates: options.openRates,
        warmupS: options.warmupS,
        durationS: options.durationS,
        repeat: options.repeat,
        maxOutstanding: options.quick ? QUICK_RUN.maxOutstanding : FULL_RUN.maxOutstanding,
      },
      (p) => bar?.update(p),
    );
  } finally {
    bar?.stop();
  }
  const micro = options.micro || options.write ? await runMicroCompiled({ quick: options.quick, log: !options.json }) : null;
  return {
    machine: machineInfo(),
    command: options.command,
    settings: {
      pipeline: options.pipeline,
      workers,
      inFlight: options.inFlight,
      warmupS: options.warmupS,
      durationS: options.durationS,
      repeat: options.repeat,
      peers: [...options.peers],
    },
    openRates: load.openRates,
    halfRate: load.halfRate,
    eightyPercentRate: load.eightyPercentRate,
    results: load.results,
    micro: micro?.results ?? null,
    microSkipped: micro?.skipped ?? [],
  };
}

export function printBench(report: BenchReport, json: boolean): void {
  if (json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else process.stdout.write(textReport(report) + '\n');
}

/** Writes one SVG per load (closed loop, each open-loop rate) and BENCHMARKS.md embedding them. */
export function writeBenchmarks(report: BenchReport, markdownPath = BENCHMARKS_PATH, chartsDir = CHARTS_DIR): string[] {
  mkdirSync(chartsDir, { recursive: true });
  // Charts of loads this run did not have (another rate, another pipeline) would be stale: remove them. The
  // HTTP bench's charts (latency-http-*) are another command's, embedded through the component figures: kept.
  for (const old of readdirSync(chartsDir)) if (/^latency-(?!http-).*\.svg$/.test(old)) rmSync(join(chartsDir, old));
  const written: string[] = [];
  const charts: ChartPaths = {};
  for (const section of resultSections(report.results, report.settings.inFlight)) {
    const file = join(chartsDir, `latency-${report.settings.pipeline}-${section.key}.svg`);
    const subtitle = section.key === 'closed'
      ? `${report.settings.pipeline} pipeline, ${report.settings.inFlight} in flight, median run of ${report.settings.repeat}`
      : `${report.settings.pipeline} pipeline, ${formatRate(section.results[0]!.rateTarget!)} offered, median run of ${report.settings.repeat}`;
    const svg = percentileChartSvg({
      title: `Latency by percentile: ${section.title.toLowerCase()}`,
      subtitle,
      series: section.results.map((r) => ({ name: r.overloaded ? `${r.name} (overloaded)` : r.name, points: r.distribution })),
    });
    writeFileSync(file, svg);
    written.push(file);
    charts[section.key] = relative(dirname(markdownPath), file).split('\\').join('/');
  }
  const figuresPath = join(REPO_ROOT, COMPONENT_FIGURES);
  const componentFigures = existsSync(figuresPath) ? readFileSync(figuresPath, 'utf8') : null;
  writeFileSync(markdownPath, benchmarksMarkdown(report, charts, componentFigures));
  written.push(markdownPath);
  return written;
}

export function parsePeers(list: string): PeerName[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (!(PEER_NAMES as readonly string[]).includes(name)) throw new Error(`unknown peer '${name}' (peers: ${PEER_NAMES.join(', ')})`);
  }
  return names as PeerName[];
}
