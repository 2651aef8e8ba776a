import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compiledModule, ensureCompiled } from '../../bench/compiled.ts';
import { runTrialInChild, trialProcess } from '../../bench/load/child.ts';
import { runMicroCompiled } from '../../bench/micro.ts';

test('a trial process runs the compiled trial with plain node: no tsx, no TypeScript', () => {
  const { entry, execArgv } = trialProcess();
  assert.match(entry, /\/\.bench-build\/bench\/load\/trial\.js$/);
  assert.ok(existsSync(entry), entry);
  assert.deepEqual(execArgv, []);
  // Its imports were rewritten to the compiled files, so nothing it loads goes through a TypeScript loader.
  const source = readFileSync(entry, 'utf8');
  assert.doesNotMatch(source, /from ['"][^'"]+\.ts['"]/);
  assert.match(source, /from ['"]\.\.\/scenario\.js['"]/);
});

test('the compiled copy maps each source module to its .js beside the same path', () => {
  const compiled = compiledModule(new URL('../../src/index.ts', import.meta.url));
  assert.match(compiled, /\/\.bench-build\/src\/index\.js$/);
  assert.ok(existsSync(compiled));
});

test('the compiled copy is rebuilt when a source changes, and only then', () => {
  const root = mkdtempSync(join(tmpdir(), 'agentbus-compiled-'));
  try {
    writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', allowImportingTsExtensions: true, rewriteRelativeImportExtensions: true, rootDir: '.' } }));
    writeFileSync(join(root, 'tsconfig.bench.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { outDir: '.bench-build' }, include: ['src/**/*.ts', 'bench/**/*.ts'] }));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ type: 'module' }));
    mkdirSync(join(root, 'src'));
    mkdirSync(join(root, 'bench'));
    writeFileSync(join(root, 'src', 'answer.ts'), 'export const answer: number = 41;\n');
    writeFileSync(join(root, 'bench', 'main.ts'), "import { answer } from '../src/answer.ts';\nconsole.log(answer);\n");
    const run = (): string => execFileSync(process.execPath, [join(ensureCompiled(root), 'bench', 'main.js')], { encoding: 'utf8' }).trim();

    assert.equal(run(), '41');
    const built = statSync(join(root, '.bench-build', 'bench', 'main.js')).mtimeMs;
    assert.equal(run(), '41');
    assert.equal(statSync(join(root, '.bench-build', 'bench', 'main.js')).mtimeMs, built, 'unchanged sources: not rebuilt');

    writeFileSync(join(root, 'src', 'answer.ts'), 'export const answer: number = 42;\n');
    assert.equal(run(), '42', 'a changed source is compiled again before it is measured');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a compiled trial puts the default bus under load and reports back', async () => {
  const [result] = await runTrialInChild(
    { peer: 'agentbus', pipeline: 'full', workers: 1, warmupS: 0.1, durationS: 0.3, loads: [{ mode: 'closed', inFlight: 64 }], maxOutstanding: 1024 },
    () => {},
  );
  assert.ok(result !== undefined);
  assert.equal(result.name, 'agentbus');
  assert.ok(result.delivered > 0 && result.denied > 0, `delivered ${result.delivered}, denied ${result.denied}`);
  assert.equal(result.errors, 0);
});

test('the compiled micro-benchmarks find everything they measure (the bundled policy too) and skip nothing', async () => {
  const run = await runMicroCompiled({ quick: true });
  assert.deepEqual(run.skipped, []);
  assert.ok(run.results.some((r) => /polic/i.test(r.name)), run.results.map((r) => r.name).join(', '));
});
