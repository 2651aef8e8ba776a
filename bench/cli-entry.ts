// The one entry through which `agentbus bench` (src/cli/bench.ts) reaches the bench: src/ never imports
// bench/, it resolves this file at run time (ARCHITECTURE.md, "The bench entry").
import type { BenchCommandOptions, BenchEntry } from '../src/cli/bench.ts';
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

/** `agentbus bench --transport redis`: the cross-process bench (bench/redis/redis-bench.ts); `--rates` are msgs/s. */
async function runRedis(opts: BenchCommandOptions): Promise<void> {
  const { FULL, QUICK, runRedisBench } = await import('./redis/redis-bench.ts');
  const preset = opts.quick ? QUICK : FULL;
  const consumers = opts.consumers === undefined ? preset.consumers : opts.consumers.split(',').map(positiveRate).map(Math.round);
  const report = await runRedisBench({
    ...preset,
    count: opts.count ?? preset.count,
    durationS: opts.duration ?? preset.durationS,
    consumers,
    ...(opts.rates === undefined ? {} : { rates: opts.rates.split(',').map(positiveRate) }),
    log: opts.json ? () => {} : (line) => console.log(line),
  });
  if (opts.json) console.log(JSON.stringify({ command: opts.command, ...report }, null, 2));
}

export const entry: BenchEntry = { runBenchCommand };
