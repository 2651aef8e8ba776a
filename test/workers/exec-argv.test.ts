import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { optionGroups, workerAcceptedExecArgv } from '../../src/workers/exec-argv.ts';

test('only the flags a worker thread accepts are kept, with their values, in their order', () => {
  assert.deepEqual(workerAcceptedExecArgv([]), []);
  assert.deepEqual(workerAcceptedExecArgv(['--enable-source-maps', '--import', 'tsx']), ['--enable-source-maps', '--import', 'tsx']);
  assert.deepEqual(
    workerAcceptedExecArgv(['--max-old-space-size=4096', '--expose-gc', '--trace-gc', '--enable-source-maps', '--max-semi-space-size', '64', '--title=x', '--conditions=dev']),
    ['--enable-source-maps', '--conditions=dev'],
  );
  // Dependent options: --cpu-prof-dir is refused alone, accepted with --cpu-prof, whichever comes first.
  assert.deepEqual(workerAcceptedExecArgv(['--cpu-prof-dir', '/tmp/p', '--expose-gc', '--cpu-prof']), ['--cpu-prof-dir', '/tmp/p', '--cpu-prof']);
});

test('execArgv is split into options with their separate values', () => {
  assert.deepEqual(optionGroups(['--import', 'tsx', '--cpu-prof', '--max-semi-space-size', '64']), [['--import', 'tsx'], ['--cpu-prof'], ['--max-semi-space-size', '64']]);
});

const fixture = fileURLToPath(new URL('../fixtures/send-one.ts', import.meta.url));

/** Runs the fixture in a fresh `node <flags> --import tsx` and returns what it printed on its RESULT line. */
function sendOneWith(flags: readonly string[]): { plain: string; deliberated: string; decisions: number } {
  const run = spawnSync(process.execPath, [...flags, '--import', 'tsx', fixture], { encoding: 'utf8', timeout: 120_000, cwd: join(import.meta.dirname, '../..') });
  const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  assert.equal(run.status, 0, `node ${flags.join(' ')} exited ${run.status} (${run.signal ?? ''}): ${run.stderr.slice(-2_000)}`);
  assert.ok(line !== undefined, `no RESULT line: ${run.stdout.slice(-1_000)}`);
  return JSON.parse(line.slice('RESULT '.length)) as { plain: string; deliberated: string; decisions: number };
}

for (const flags of [['--max-old-space-size=4096'], ['--expose-gc'], ['--trace-gc']]) {
  test(`a host started with ${flags.join(' ')} creates the bus; validation workers and the solver pool both work`, () => {
    assert.deepEqual(sendOneWith(flags), { plain: 'delivered', deliberated: 'delivered', decisions: 1 });
  });
}

test('--cpu-prof and --enable-source-maps still reach the workers (each thread writes its own profile)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentbus-prof-'));
  assert.deepEqual(sendOneWith(['--max-old-space-size=4096', '--cpu-prof', `--cpu-prof-dir=${dir}`, '--enable-source-maps']), { plain: 'delivered', deliberated: 'delivered', decisions: 1 });
  // The main thread, the validation worker and the solver worker at least.
  const profiles = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  assert.ok(profiles.length >= 3, `profiles: ${profiles.join(', ')}`);
});
