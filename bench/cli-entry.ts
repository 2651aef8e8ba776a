// The one entry through which `agentbus bench` (src/cli/bench.ts) reaches the bench: src/ never imports
// bench/, it resolves this file at run time (ARCHITECTURE.md, "The bench entry").
import type { BenchCommandOptions, BenchEntry } from '../src/cli/bench.ts';
import { runCompiled } from './compiled.ts';
import { PEER_NAMES } from './peers/peer.ts';
import { FULL_RUN, parsePeers, printBench, QUICK_RUN, runBench, writeBenchmarks } from './run.ts';

function positiveRate(text: string): number {
  const n = Number(text.trim());
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--rates: '${text}' is not a positive number`);
  return n;
}

export async function runBenchCommand(opts: BenchCommandOptions): Promise<void> {
  if (opts.transport === 'redis') return runRedis(opts);
  const preset = opts.quick ? QUICK_RUN : FULL_RUN;
  const report = await runBench({
    json: opts.json,
    durationS: opts.duration ?? preset.durationS,
    warmupS: opts.warmup ?? preset.warmupS,
    pipeline: opts.pipeline,
    inFlight: opts.inFlight,
    quick: opts.quick,
    repeat: opts.repeat ?? preset.repeat,
    openRates: opts.rates === undefined ? [...preset.openRates] : opts.rates.split(',').map(positiveRate),
    peers: opts.peers === undefined ? [...PEER_NAMES] : parsePeers(opts.peers),
    micro: opts.micro,
    write: opts.write,
    command: opts.command,
    ...(opts.workers ? { workers: opts.workers } : {}),
  });
  printBench(report, opts.json);
  if (opts.write) for (const file of writeBenchmarks(report)) process.stderr.write(`wrote ${file}\n`);
}

/**
 * `agentbus bench --transport redis`: the cross-process bench, bench/redis/run.ts, run compiled in a process of
 * its own (compiled.ts: this process runs the sources through tsx, and its worker threads would too).
 */
async function runRedis(opts: BenchCommandOptions): Promise<void> {
  const args: string[] = [];
  if (opts.quick) args.push('--quick');
  if (opts.json) args.push('--json');
  if (opts.count !== undefined) args.push('--count', String(opts.count));
  if (opts.duration !== undefined) args.push('--duration', String(opts.duration));
  if (opts.rates !== undefined) args.push('--rates', opts.rates.split(',').map(positiveRate).join(','));
  if (opts.consumers !== undefined) args.push('--consumers', opts.consumers.split(',').map(positiveRate).map(Math.round).join(','));
  const code = await runCompiled(new URL('./redis/run.ts', import.meta.url), args);
  if (code !== 0) process.exitCode = code;
}

export const entry: BenchEntry = { runBenchCommand };
