import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerPolicyCommands, runPolicyBuild, runPolicyEval } from '../../src/cli/policy.ts';
import { DEFAULT_CONSTITUTIONAL_HASH } from '../../src/model/message.ts';

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
