import { Command, InvalidArgumentError, Option } from 'commander';

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
    .description('push messages through the bus (default configuration) and report messages/s, latency percentiles and event-loop delay')
    .option('--json', 'print one JSON document instead of a table', false)
    .option('--duration <seconds>', 'measured seconds', positiveNumber, 5)
    .option('--warmup <seconds>', 'seconds before measuring', positiveNumber, 1)
    .addOption(new Option('--pipeline <kind>', 'stages to run').choices(['validation', 'full', 'empty']).default('validation'))
    .option('--in-flight <n>', 'messages outstanding in the closed loop', positiveInteger, 512)
    .option('--workers <n>', 'validation threads (default: cores - 1)', positiveInteger)
    .option('--quick', 'a short run (2 s measured)', false)
    .action(async (opts: { json: boolean; duration: number; warmup: number; pipeline: 'validation' | 'full' | 'empty'; inFlight: number; workers?: number; quick: boolean }) => {
      const { runBench, printBench } = await import('../bench/run.ts');
      const report = await runBench({
        json: opts.json,
        durationS: opts.quick ? 2 : opts.duration,
        warmupS: opts.quick ? 0.5 : opts.warmup,
        pipeline: opts.pipeline,
        inFlight: opts.inFlight,
        quick: opts.quick,
        ...(opts.workers ? { workers: opts.workers } : {}),
      });
      printBench(report, opts.json);
    });

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
