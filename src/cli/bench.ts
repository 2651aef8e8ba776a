// `agentbus bench`. The load generator, its peers and its reports live in bench/, which src/ never imports
// (ARCHITECTURE.md, "The bench entry"): the command resolves bench/cli-entry.ts at run time and imports it
// dynamically. The bench ships only in a source checkout; an installed package says so and exits 2.
import { existsSync } from 'node:fs';
import { Option, InvalidArgumentError, type Command } from 'commander';
import { EXIT_ERROR } from './exit-codes.ts';
import { writeJson } from './conventions.ts';

/** The options `agentbus bench` parses, handed as they are to the bench entry. */
export interface BenchCommandOptions {
  json: boolean;
  duration?: number;
  warmup?: number;
  pipeline: 'validation' | 'full' | 'full-uncached';
  inFlight: number;
  workers?: number;
  repeat?: number;
  /** Comma-separated offered rates, msgs/s. */
  rates?: string;
  /** Comma-separated peer names. */
  peers?: string;
  micro: boolean;
  write: boolean;
  quick: boolean;
  /**
   * `in-process` (default): the peers above. `redis`: the cross-process bench instead (bench/redis/): raw
   * node-redis, the Redis transport, the bus over Redis and the in-process bus side by side on one
   * redis-server, a latency curve over offered rates, and the scale-out over consumer processes.
   */
  transport: 'in-process' | 'redis';
  /** With `--transport redis`: messages per max-rate run. */
  count?: number;
  /** With `--transport redis`: consumer process counts of the scale-out run, comma-separated. */
  consumers?: string;
  /** The command as typed, recorded with the figures. */
  command: string;
}

/** What bench/cli-entry.ts exports. */
export interface BenchEntry {
  runBenchCommand(options: BenchCommandOptions): Promise<void>;
}

/** Where the bench entry is, relative to the package root: bench/cli-entry.ts. */
export const BENCH_ENTRY = ['bench', 'cli-entry.ts'] as const;

/** The bench entry of the checkout this module runs from (src/cli/ or dist/src/cli/), or null when installed. */
export function locateBenchEntry(): URL | null {
  const candidates = [new URL(`../../${BENCH_ENTRY.join('/')}`, import.meta.url), new URL(`../../../${BENCH_ENTRY.join('/')}`, import.meta.url)];
  return candidates.find((url) => existsSync(url)) ?? null;
}

async function loadBenchEntry(url: URL): Promise<BenchEntry> {
  // Compiled code (dist/ inside a checkout) needs tsx, a devDependency of the checkout, to load the .ts bench.
  if (!import.meta.url.endsWith('.ts')) {
    const { register } = await import('tsx/esm/api');
    register();
  }
  return (await import(url.href)) as BenchEntry;
}

export const BENCH_NEEDS_CHECKOUT =
  'agentbus bench runs from a source checkout (the load generator and its peers are not part of the installed package): clone the repository, then `npm ci && npm run bench`';

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('compare the default bus (createAgentBus() as users run it) with the same bus without deliberation and the obvious designs (inline, Piscina per message, Piscina batched, empty-pipeline ring, a no-op load-generator baseline) under a closed loop and an open loop at fixed rates; report messages/s, latency percentiles from the intended send time, event-loop delay, CPU and RSS (source checkout only)')
    .option('--json', 'print one JSON document instead of tables', false)
    .option('--duration <seconds>', 'measured seconds per load (default 3; 1 with --quick)', positiveNumber)
    .option('--warmup <seconds>', 'seconds before measuring, per load (default 0.5; 0.25 with --quick)', positiveNumber)
    .addOption(new Option('--pipeline <kind>', 'stages every peer runs (validation: hash + tenant + limits; full: + the bundled policy with its decision cache; full-uncached: the same with the cache off)').choices(['validation', 'full', 'full-uncached']).default('full'))
    .option('--in-flight <n>', 'messages outstanding in the closed loop', positiveInteger, 512)
    .option('--workers <n>', 'validation threads for every threaded peer (default: cores - 1)', positiveInteger)
    .option('--repeat <n>', 'repetitions (order rotated), medians reported (default 3; 1 with --quick)', positiveInteger)
    .option('--rates <list>', 'open-loop offered rates, msgs/s, comma-separated; 50% and 80% of the default bus closed-loop max are added (default 10000,50000,100000,200000)')
    .option('--peers <list>', 'comma-separated subset of: agentbus, agentbus-audit, agentbus-no-deliberation, inline, piscina-per-message, piscina-batched, ring-empty, noop')
    .option('--micro', 'also run the micro-benchmarks', false)
    .option('--write', 'regenerate BENCHMARKS.md and its charts (bench/charts/*.svg); implies --micro', false)
    .option('--quick', 'a short run: 1 repetition, 1 s per load, rates 10k and 100k (under a minute)', false)
    .addOption(new Option('--transport <kind>', 'in-process: the peers above; redis: across processes through one redis-server (raw node-redis, the transport, the bus over Redis and in-process side by side; a latency curve; the scale-out over consumer processes; redis-server must be installed, or set REDIS_URL)').choices(['in-process', 'redis']).default('in-process'))
    .option('--count <n>', 'with --transport redis: messages per max-rate run (default 50000; 2000 with --quick)', positiveInteger)
    .option('--consumers <list>', 'with --transport redis: consumer process counts of the scale-out run (default 1,2,3,4; 1,2 with --quick)')
    .action(async (opts: Omit<BenchCommandOptions, 'command'>) => {
      const url = locateBenchEntry();
      if (url === null) {
        if (opts.json) writeJson({ error: BENCH_NEEDS_CHECKOUT });
        else process.stderr.write(`${BENCH_NEEDS_CHECKOUT}\n`);
        process.exitCode = EXIT_ERROR;
        return;
      }
      const entry = await loadBenchEntry(url);
      await entry.runBenchCommand({ ...opts, command: ['agentbus', ...process.argv.slice(process.argv.indexOf('bench'))].join(' ') });
    });
}
