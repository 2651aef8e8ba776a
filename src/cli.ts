import { Command, InvalidArgumentError, Option } from 'commander';
import { registerAuditCommands } from './cli/audit.ts';
import { registerPermissionsCommands } from './cli/permissions.ts';
import { registerPolicyCommands } from './cli/policy.ts';

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

/** The `agentbus` command. Subcommands import their code lazily so `--help` stays instant. */
export function buildProgram(): Command {
  const program = new Command('agentbus').description('Governs the messages AI agents send each other.').showHelpAfterError();

  program
    .command('bench')
    .description('compare agentbus with its peers (inline, Piscina per message, Piscina batched, empty-pipeline ring) under a closed loop and an open loop at fixed rates; report messages/s, latency percentiles from the intended send time, event-loop delay, CPU and RSS')
    .option('--json', 'print one JSON document instead of tables', false)
    .option('--duration <seconds>', 'measured seconds per load (default 3; 1 with --quick)', positiveNumber)
    .option('--warmup <seconds>', 'seconds before measuring, per load (default 0.5; 0.25 with --quick)', positiveNumber)
    .addOption(new Option('--pipeline <kind>', 'stages every peer runs (validation: hash + tenant + limits; full: + the bundled policy with its decision cache; full-uncached: the same with the cache off)').choices(['validation', 'full', 'full-uncached']).default('full'))
    .option('--in-flight <n>', 'messages outstanding in the closed loop', positiveInteger, 512)
    .option('--workers <n>', 'validation threads for every threaded peer (default: cores - 1)', positiveInteger)
    .option('--repeat <n>', 'repetitions (order rotated), medians reported (default 3; 1 with --quick)', positiveInteger)
    .option('--rates <list>', 'open-loop offered rates, msgs/s, comma-separated; 80% of the closed-loop max is added (default 10000,50000,100000,200000)')
    .option('--peers <list>', 'comma-separated subset of: agentbus, inline, piscina-per-message, piscina-batched, ring-empty')
    .option('--micro', 'also run the micro-benchmarks', false)
    .option('--write', 'regenerate BENCHMARKS.md and its charts (bench/charts/*.svg); implies --micro', false)
    .option('--quick', 'a short run: 1 repetition, 1 s per load, rates 10k and 100k (under a minute)', false)
    .action(async (opts: {
      json: boolean; duration?: number; warmup?: number; pipeline: 'validation' | 'full' | 'full-uncached'; inFlight: number; workers?: number;
      repeat?: number; rates?: string; peers?: string; micro: boolean; write: boolean; quick: boolean;
    }) => {
      const { runBench, printBench, writeBenchmarks, parsePeers, FULL_RUN, QUICK_RUN } = await import('../bench/run.ts');
      const { PEER_NAMES } = await import('../bench/peers/peer.ts');
      const preset = opts.quick ? QUICK_RUN : FULL_RUN;
      const rates = opts.rates === undefined ? [...preset.openRates] : opts.rates.split(',').map((r) => positiveNumber(r.trim()));
      const report = await runBench({
        json: opts.json,
        durationS: opts.duration ?? preset.durationS,
        warmupS: opts.warmup ?? preset.warmupS,
        pipeline: opts.pipeline,
        inFlight: opts.inFlight,
        quick: opts.quick,
        repeat: opts.repeat ?? preset.repeat,
        openRates: rates,
        peers: opts.peers === undefined ? [...PEER_NAMES] : parsePeers(opts.peers),
        micro: opts.micro,
        write: opts.write,
        command: ['agentbus', ...process.argv.slice(process.argv.indexOf('bench'))].join(' '),
        ...(opts.workers ? { workers: opts.workers } : {}),
      });
      printBench(report, opts.json);
      if (opts.write) for (const file of writeBenchmarks(report)) process.stderr.write(`wrote ${file}\n`);
    });

  registerPolicyCommands(program);
  registerPermissionsCommands(program);
  registerAuditCommands(program);
  return program;
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  await buildProgram().parseAsync([...argv]);
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/src/cli.ts')) {
  main().catch((error: unknown) => {
    process.stderr.write(`agentbus: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
}
