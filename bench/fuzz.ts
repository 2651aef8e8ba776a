// `npm run fuzz`: the malformed-input corpus at full size (default 100,000 cases per mode, both modes),
// with a progress bar. The same generators and checks as the CI test (test/faults/), more cases. Exits 1
// on any failure; prints the seed, so a failure replays with --seed.
import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { createAgentBus } from '../src/index.ts';
import { registerCorpusAgents, runMalformedCorpus, type CorpusReport } from '../test/faults/malformed-corpus.ts';

const MIB = 1024 * 1024;

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

const program = new Command('fuzz')
  .description('Sends generated malformed inputs to a live bus; every one must get a typed rejection.')
  .option('--cases <n>', 'cases per mode', positiveInteger, 100_000)
  .option('--mode <mode>', 'workers, inline or both', 'both')
  .option('--seed <n>', 'first fast-check seed (default: from the clock, printed)', positiveInteger)
  .option('--workers <n>', 'validation threads in workers mode', positiveInteger, 1)
  .parse();
const options = program.opts<{ cases: number; mode: string; seed?: number; workers: number }>();
if (!['workers', 'inline', 'both'].includes(options.mode)) program.error(`--mode must be workers, inline or both, not ${options.mode}`);
const modes = options.mode === 'both' ? (['workers', 'inline'] as const) : ([options.mode] as readonly ('workers' | 'inline')[]);
const seed = options.seed ?? (Date.now() % 1_000_000_000);

const gc = (globalThis as { gc?: () => void }).gc;
async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc?.();
  }
  return process.memoryUsage().heapUsed;
}

function bar(mode: string, total: number): { update: (done: number) => void; stop: () => void } {
  if (!process.stderr.isTTY) {
    let last = 0;
    return {
      update: (done) => {
        if (done - last >= total / 10 || done === total) { process.stderr.write(`${mode}: ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')}\n`); last = done; }
      },
      stop: () => {},
    };
  }
  const progress = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${mode.padEnd(7)} {bar} {percentage}% | {value}/{total} cases | ETA {eta_formatted}`, hideCursor: true, etaBuffer: 20 },
    cliProgress.Presets.shades_classic,
  );
  progress.start(total, 0);
  return { update: (done) => progress.update(done), stop: () => progress.stop() };
}

console.log(`seed ${seed}; ${options.cases.toLocaleString('en-US')} cases per mode (${modes.join(', ')}); heap figures ${gc ? 'after a forced GC' : 'without --expose-gc (a rough guide)'}`);
let failed = false;
let peakRss = process.memoryUsage().rss;
for (const mode of modes) {
  const bus = await createAgentBus({ mode, workers: options.workers, deliberation: false, log: () => {} });
  let report: CorpusReport;
  let baseline: number;
  let after: number;
  try {
    const { deliveries } = registerCorpusAgents(bus);
    await runMalformedCorpus(bus, { cases: 1_000, seed: seed + 1_000_000_000, deliveries });
    baseline = await settledHeap();
    const progress = bar(mode, options.cases);
    report = await runMalformedCorpus(bus, {
      cases: options.cases, seed, deliveries, onProgress: (done) => { progress.update(done); peakRss = Math.max(peakRss, process.memoryUsage().rss); },
    });
    progress.stop();
    after = await settledHeap();
  } finally {
    await bus.close();
  }
  const problems = report.failures.length > 0 || report.deliveries > 0;
  failed ||= problems;
  console.log(`${mode}: ${report.cases.toLocaleString('en-US')} cases, ${report.failures.length === 0 ? 'every one a typed rejection' : `${report.failures.length}+ FAILED`}; delivered ${report.deliveries}`);
  console.log(`  by code: ${Object.entries(report.byCode).sort(([, a], [, b]) => b - a).map(([code, n]) => `${code} ${n.toLocaleString('en-US')}`).join(', ')}`);
  console.log(`  heap: ${(baseline / MIB).toFixed(1)} MiB before, ${(after / MIB).toFixed(1)} MiB after (${((after - baseline) / MIB).toFixed(1)} MiB)`);
  for (const failure of report.failures) console.log(`  FAIL ${failure.label}: ${failure.problem}`);
}
console.log(`peak RSS ${(peakRss / MIB).toFixed(0)} MiB; Object.prototype ${({} as Record<string, unknown>).polluted === undefined ? 'unpolluted' : 'POLLUTED'}`);
if (({} as Record<string, unknown>).polluted !== undefined) failed = true;
process.exitCode = failed ? 1 : 0;
