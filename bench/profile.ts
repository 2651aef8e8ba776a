/**
 * `npm run profile [-- --seconds 5 --pipeline full --peer agentbus --mode closed|open --rate 100000]`
 *
 * Runs one peer under load in a child process started with `--cpu-prof --cpu-prof-dir=profiles`: the main
 * thread and every worker thread write a `.cpuprofile` when they exit. Then prints, per thread, the
 * functions with the most self time. Open the files in Chrome DevTools (Performance → Load profile) or VS
 * Code (open the file) for flame charts. The child runs the checkout compiled to JavaScript, as the bench
 * measures it (compiled.ts), so the functions are those of the built package.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultWorkerCount } from '../src/config.ts';
import { BENCH_PIPELINES, type BenchPipeline } from './peers/pipeline-spec.ts';
import type { TrialSpec } from './load/trial.ts';
import { PEER_NAMES, type PeerName } from './peers/peer.ts';
import { summariseProfile, threadIdOf, threadRole, type CpuProfile } from './profile/cpuprofile.ts';
import { textTable } from './report/format.ts';
import { compiledModule } from './compiled.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    pipeline: { type: 'string', default: 'full' },
    peer: { type: 'string', default: 'agentbus' },
    mode: { type: 'string', default: 'closed' },
    rate: { type: 'string', default: '100000' },
    'in-flight': { type: 'string', default: '512' },
    top: { type: 'string', default: '15' },
  },
});

const peer = values.peer as PeerName;
if (!(PEER_NAMES as readonly string[]).includes(peer)) throw new Error(`--peer must be one of ${PEER_NAMES.join(', ')}`);
const pipeline = values.pipeline as BenchPipeline;
if (!BENCH_PIPELINES.includes(pipeline)) throw new Error(`--pipeline must be one of ${BENCH_PIPELINES.join(', ')}`);
const seconds = Number(values.seconds);
const spec: TrialSpec = {
  peer,
  pipeline,
  workers: defaultWorkerCount(),
  warmupS: 1,
  durationS: seconds,
  loads: [values.mode === 'open' ? { mode: 'open', ratePerS: Number(values.rate) } : { mode: 'closed', inFlight: Number(values['in-flight']) }],
  maxOutstanding: 8192,
};

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = join(root, 'profiles');
mkdirSync(dir, { recursive: true });
const before = new Set(readdirSync(dir));
const startedAt = Date.now();

process.stderr.write(`profiling ${peer}, ${pipeline} pipeline, ${values.mode} loop, ${seconds} s (+1 s warm-up) → ${dir}\n`);
const child = spawn(
  process.execPath,
  ['--cpu-prof', `--cpu-prof-dir=${dir}`, compiledModule(new URL('./load/trial.ts', import.meta.url)), JSON.stringify(spec)],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let output = '';
child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
// A profiled run that does not end must not hang the command (seen once: the child never exited after its
// load). Three times its planned length, plus start-up and close, as the bench allows its trials.
const limitS = (spec.warmupS + spec.durationS + 30) * 3;
let timedOut = false;
const watchdog = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, limitS * 1000);
const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
clearTimeout(watchdog);
if (timedOut) {
  const finished = output.includes('"rps"') ? 'after its load finished' : 'before its load finished';
  throw new Error(`the profiled run did not exit within ${limitS} s (${finished}); killed it, so it wrote no profiles`);
}
if (code !== 0) throw new Error(`the profiled run exited with code ${code}`);
let window: { fromUs: number; toUs: number } | undefined;
for (const line of output.trim().split('\n').filter(Boolean)) {
  const parsed = JSON.parse(line) as { window?: { fromUs: number; toUs: number } };
  if (parsed.window) {
    window = parsed.window;
    continue;
  }
  const r = parsed as { rps: number; p50Us: number; p99Us: number; eventLoopP99Us: number };
  process.stdout.write(`load: ${r.rps.toLocaleString('en-US')} msgs/s, P50 ${r.p50Us} µs, P99 ${r.p99Us} µs, event-loop P99 ${r.eventLoopP99Us} µs (slower than unprofiled)\n`);
}

const files = readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile') && !before.has(f) && statSync(join(dir, f)).mtimeMs >= startedAt - 1000)
  .sort((a, b) => (threadIdOf(a) ?? 0) - (threadIdOf(b) ?? 0));
if (files.length === 0) throw new Error(`no .cpuprofile was written to ${dir}`);
for (const file of files) {
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const summary = summariseProfile(profile, Number(values.top), window);
  if (summary.busyMs === 0) {
    process.stdout.write(`\n${threadRole(profile, threadIdOf(file))} — profiles/${file}: idle during the window (e.g. the TypeScript loader's thread)\n`);
    continue;
  }
  process.stdout.write(`\n${threadRole(profile, threadIdOf(file))} — profiles/${file}\n`);
  process.stdout.write(`measured window only: busy ${summary.busyMs} ms of ${summary.totalMs} ms (idle ${summary.idleMs} ms); top self time, % of busy:\n`);
  process.stdout.write(textTable(['function', 'self ms', '%'], summary.top.map((t) => [t.function, t.selfMs.toFixed(1), t.percent.toFixed(1)])) + '\n');
}
process.stdout.write('\nOpen a profile: Chrome DevTools → Performance → "Load profile…", or open the .cpuprofile in VS Code.\n');
