import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerPolicyCommands, runPolicyBuild, runPolicyEval } from '../../src/cli/policy.ts';
import { DEFAULT_CONSTITUTIONAL_HASH } from '../../src/model/message.ts';
import { compilePolicy } from '../../src/rego/build.ts';

const POLICIES = join(import.meta.dirname, '../../policies');

test('policy build policies -o b.tar.gz, then policy eval b.tar.gz --input file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentbus-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bundle = join(dir, 'b.tar.gz');
  const lines = runPolicyBuild(POLICIES, { entrypoint: [], output: bundle, dumpIr: true, optimize: false });
  assert.match(lines[0]!, /entrypoints: agentbus\/decision/);
  assert.match(lines[1]!, /built .*b\.tar\.gz: \d+ B wasm, entrypoints agentbus\/decision, revision [0-9a-f]{16}/);
  assert.ok(existsSync(bundle));
  const inputFile = join(dir, 'input.json');
  writeFileSync(inputFile, JSON.stringify({
    message: { from: 'a', to: 'b', type: 'audit_log', tenantId: 'acme', priority: 1, constitutionalHash: DEFAULT_CONSTITUTIONAL_HASH, metadata: {} },
    payloadKiB: 1, expectedHash: DEFAULT_CONSTITUTIONAL_HASH, recipient: { tenantId: 'acme', type: 'worker', capabilities: [] },
  }));
  assert.deepEqual(JSON.parse(runPolicyEval(bundle, { input: inputFile, entrypoint: [], raw: false })[0]!), {
    allowed: false, code: 'E_POLICY_DENIED', reasons: ['audit_log messages may only be sent to agents of type auditor'],
  });
  assert.deepEqual(JSON.parse(runPolicyEval(POLICIES, { input: inputFile, entrypoint: ['agentbus/decision'], raw: true })[0]!), [
    { result: { allow: false, deny: ['audit_log messages may only be sent to agents of type auditor'] } },
  ]);
});

test('compile errors reach the user as file:line:col and a non-zero exit code', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentbus-cli-bad-'));
  t.after(() => { rmSync(dir, { recursive: true, force: true }); process.exitCode = 0; });
  writeFileSync(join(dir, 'bad.rego'), 'package bad\n\np if {\n  x > 1\n}\n');
  const program = new Command().exitOverride();
  registerPolicyCommands(program);
  const errors: string[] = [];
  const original = console.error;
  console.error = (line: string) => { errors.push(line); };
  try {
    await program.parseAsync(['policy', 'build', dir, '-e', 'bad/p', '-o', join(dir, 'out.tar.gz')], { from: 'user' });
  } finally {
    console.error = original;
  }
  assert.equal(process.exitCode, 1);
  assert.deepEqual(errors, [`error: ${join(dir, 'bad.rego')}:4:3: rego_unsafe_var_error: var x is unsafe`]);
});

async function runCli(args: string[]): Promise<{ exitCode: number | string | undefined; out: string[]; err: string[] }> {
  const program = new Command().exitOverride();
  registerPolicyCommands(program);
  const out: string[] = [];
  const err: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (line: string) => { out.push(line); };
  console.error = (line: string) => { err.push(line); };
  process.exitCode = undefined;
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    console.log = log;
    console.error = error;
  }
  const exitCode = process.exitCode;
  process.exitCode = 0;
  return { exitCode, out, err };
}

test('policy eval exits as opa eval: 0 on a result, 1 with --fail / --fail-defined, 2 on an evaluation error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentbus-cli-exit-'));
  t.after(() => { rmSync(dir, { recursive: true, force: true }); process.exitCode = 0; });
  const policyDir = join(dir, 'p');
  mkdirSync(policyDir);
  writeFileSync(join(policyDir, 'p.rego'), 'package p\n\nallow if input.ok\n');
  const input = join(dir, 'input.json');
  writeFileSync(input, JSON.stringify({ ok: false }));
  const defined = join(dir, 'defined.json');
  writeFileSync(defined, JSON.stringify({ ok: true }));

  assert.equal((await runCli(['policy', 'eval', policyDir, '-i', defined, '-e', 'p/allow', '--raw'])).exitCode, 0);
  assert.equal((await runCli(['policy', 'eval', policyDir, '-i', input, '-e', 'p/allow', '--raw'])).exitCode, 0, 'undefined without --fail is still 0');
  assert.equal((await runCli(['policy', 'eval', policyDir, '-i', input, '-e', 'p/allow', '--fail'])).exitCode, 1);
  assert.equal((await runCli(['policy', 'eval', policyDir, '-i', defined, '-e', 'p/allow', '--fail'])).exitCode, 0);
  assert.equal((await runCli(['policy', 'eval', policyDir, '-i', defined, '-e', 'p/allow', '--fail-defined'])).exitCode, 1);
  assert.equal((await runCli(['policy', 'eval', policyDir, '-i', input, '-e', 'p/allow', '--fail-defined'])).exitCode, 0);

  // A module that calls a built-in the SDK does not have (as an OPA-built one may): exit 2, the SDK's message kept.
  const { wasm } = compilePolicy([{ file: 'm.rego', text: 'package m\nx := missing.builtin(1)\n' }], { entrypoints: ['m/x'], hostBuiltins: { 'missing.builtin': 1 } });
  const module = join(dir, 'm.wasm');
  writeFileSync(module, wasm);
  const failed = await runCli(['policy', 'eval', module, '-i', input, '--raw']);
  assert.equal(failed.exitCode, 2);
  assert.match(failed.err.join('\n'), /^error: policy evaluation failed: not implemented: built-in function \d+: missing\.builtin$/);
  assert.doesNotMatch(failed.err.join('\n'), /object Object/);
});

test('policy eval: a module calling agentbus host built-ins by their OPA names (as opa build -t wasm emits) evaluates', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentbus-cli-host-'));
  t.after(() => { rmSync(dir, { recursive: true, force: true }); process.exitCode = 0; });
  const { wasm } = compilePolicy([{
    file: 'm.rego',
    text: 'package m\nx := [json.match_schema(input, {"type": "object", "required": ["id"]}), regex.match("^a+$", "aaa")]\n',
  }], { entrypoints: ['m/x'], hostBuiltins: { 'json.match_schema': 2, 'regex.match': 2 }, strictBuiltinErrors: true });
  const module = join(dir, 'm.wasm');
  writeFileSync(module, wasm);
  const input = join(dir, 'input.json');
  writeFileSync(input, JSON.stringify({ id: 1 }));
  const run = await runCli(['policy', 'eval', module, '-i', input, '--raw']);
  assert.equal(run.exitCode, 0, run.err.join('\n'));
  assert.deepEqual(JSON.parse(run.out[0]!), [{ result: [[true, []], true] }]);
});
