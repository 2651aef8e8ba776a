// Runs inside a fresh project that installed the packed tarball (test/package/smoke-pack.sh), never in the
// checkout: what a user of the published package gets. Plain JavaScript, so it needs nothing but the package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const PACKAGE_DIR = dirname(require.resolve('agentbus/package.json'));
const { version } = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'agentbus-smoke-'));

/** Every file of the installed package with its size and mtime: nothing may be written there at run time. */
function listing(dir = PACKAGE_DIR) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') out.push(...listing(path));
    } else {
      const { size, mtimeMs } = statSync(path);
      out.push(`${path} ${size} ${mtimeMs}`);
    }
  }
  return out.sort();
}
const before = listing();

/** The installed command, as npm links it (what `npx agentbus` runs). */
function agentbus(args) {
  return spawnSync(join('node_modules', '.bin', 'agentbus'), args, { encoding: 'utf8', timeout: 120_000 });
}

test('the package ships no sources, tests or bench, and its build tools are not dependencies', () => {
  const manifest = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8'));
  // yaml is not on this list: the Rego compiler runs when a bus loads its policy and reads METADATA blocks with it.
  for (const tool of ['assemblyscript', 'tsx', 'typescript', 'tinybench', 'fast-check', 'autocannon']) assert.equal(manifest.dependencies[tool], undefined, tool);
  assert.ok(manifest.dependencies.yaml, 'the Rego compiler reads METADATA blocks at policy load');
  for (const dir of ['src', 'test', 'bench', 'build']) assert.throws(() => statSync(join(PACKAGE_DIR, dir)), { code: 'ENOENT' }, dir);
  assert.ok(statSync(join(PACKAGE_DIR, 'dist/src/rego/opa-runtime.wasm')).size > 1000, 'the prebuilt Rego runtime is shipped');
  assert.ok(statSync(join(PACKAGE_DIR, 'LICENSE')).size > 10_000);
});

test('createAgentBus() with the bundled policy and deliberation delivers and rejects as documented', async () => {
  const { createAgentBus, MessageType } = await import('agentbus');
  const log = [];
  const bus = await createAgentBus({ workers: 1, log: (line) => log.push(line) });
  try {
    assert.ok(bus.policyInfo, 'the bundled policy is loaded');
    const delivered = [];
    bus.registerAgent({ id: 'planner', tenantId: 'acme', type: 'orchestrator', handler: () => {} });
    bus.registerAgent({ id: 'coder', tenantId: 'acme', handler: (message) => { delivered.push(message.id); } });
    bus.registerAgent({ id: 'treasurer', tenantId: 'acme', tier: 2, handler: () => {} });
    const base = { from: 'planner', to: 'coder', type: MessageType.TASK_REQUEST, tenantId: 'acme' };

    const ok = await bus.send({ ...base, payload: { task: 'write the tests' } });
    assert.equal(ok.status, 'delivered', JSON.stringify(ok));
    assert.deepEqual(delivered, [ok.id]);

    const blocked = await bus.send({ ...base, metadata: { blocked: 'true' } });
    assert.equal(blocked.code, 'E_POLICY_DENIED', JSON.stringify(blocked));
    const hash = await bus.send({ ...base, constitutionalHash: 'CDD01EF066BC6CF2' });
    assert.equal(hash.code, 'E_HASH_MISMATCH', JSON.stringify(hash));
    const stranger = await bus.send({ ...base, to: 'nobody' });
    assert.equal(stranger.status, 'rejected');

    const transfer = { from: 'treasurer', to: 'coder', type: MessageType.COMMAND, tenantId: 'acme' };
    const small = await bus.send({ ...transfer, payload: { action: 'transfer', amount: 5_000, currency: 'EUR' } });
    assert.equal(small.status, 'delivered', JSON.stringify(small));
    assert.ok(small.impact >= 0.8, 'decided by deliberation');
    const huge = await bus.send({ ...transfer, payload: { action: 'transfer', amount: 95_000, currency: 'EUR' } });
    assert.equal(huge.code, 'E_DELIBERATION_DENIED', JSON.stringify(huge));
    assert.equal(bus.metrics().deliberation.decisions, 2);
    assert.deepEqual(delivered, [ok.id, small.id], 'no rejected message reached a handler');
  } finally {
    await bus.close();
  }
});

test('agentbus/prometheus exposes the bus as Prometheus text', async () => {
  const { createAgentBus } = await import('agentbus');
  const { instrumentBus } = await import('agentbus/prometheus');
  const bus = await createAgentBus({ workers: 1, deliberation: false });
  try {
    const instrumented = instrumentBus(bus, { defaultMetrics: false });
    bus.registerAgent({ id: 'a', tenantId: 'acme', handler: () => {} });
    bus.registerAgent({ id: 'b', tenantId: 'acme', handler: () => {} });
    await instrumented.send({ from: 'a', to: 'b', type: 'event', tenantId: 'acme' });
    const text = await instrumented.registry.metrics();
    assert.match(text, /^agentbus_messages_total\{status="delivered",code="none"\} 1$/m);
  } finally {
    await bus.close();
  }
});

test('npx agentbus --version prints the package version', () => {
  const result = spawnSync('npx', ['--no-install', 'agentbus', '--version'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), version);
});

test('npx agentbus policy build, then policy eval, work from the installed package', () => {
  const bundle = join(work, 'b.tar.gz');
  const build = agentbus(['policy', 'build', join(PACKAGE_DIR, 'policies'), '-o', bundle, '--json']);
  assert.equal(build.status, 0, build.stderr + build.stdout);
  assert.deepEqual(JSON.parse(build.stdout).entrypoints, ['agentbus/decision']);
  const input = join(work, 'input.json');
  const message = { from: 'a', to: 'b', type: 'audit_log', tenantId: 'acme', priority: 1, constitutionalHash: 'cdd01ef066bc6cf2', metadata: {} };
  const party = { tenantId: 'acme', type: 'worker', capabilities: [] };
  writeFileSync(input, JSON.stringify({ message, payloadKiB: 1, expectedHash: 'cdd01ef066bc6cf2', sender: party, recipient: party }));
  const denied = agentbus(['policy', 'eval', bundle, '--input', input]);
  assert.equal(denied.status, 0, denied.stderr);
  assert.deepEqual(JSON.parse(denied.stdout), { allowed: false, code: 'E_POLICY_DENIED', reasons: ['audit_log messages may only be sent to agents of type auditor'] });
  writeFileSync(input, JSON.stringify({ message: { ...message, type: 'event' }, payloadKiB: 1, expectedHash: 'cdd01ef066bc6cf2', sender: party, recipient: party }));
  const allowed = agentbus(['policy', 'eval', bundle, '--input', input]);
  assert.deepEqual(JSON.parse(allowed.stdout), { allowed: true });
});

test('npx agentbus permissions check proves coverage and finds a lost rule', () => {
  const original = join(work, 'original.json');
  const covering = join(work, 'covering.json');
  const losing = join(work, 'losing.json');
  writeFileSync(original, JSON.stringify({ permissions: { allow: ['Bash(git status)', 'Bash(git diff:*)', 'Read(/src/**)'] } }));
  writeFileSync(covering, JSON.stringify({ permissions: { allow: ['Bash(git:*)', 'Read(/src/**)'] } }));
  writeFileSync(losing, JSON.stringify({ permissions: { allow: ['Bash(git status)'] } }));
  const covers = agentbus(['permissions', 'check', '--original', original, '--consolidated', covering]);
  assert.equal(covers.status, 0, covers.stdout + covers.stderr);
  const loses = agentbus(['permissions', 'check', '--original', original, '--consolidated', losing, '--json']);
  assert.equal(loses.status, 1, loses.stdout + loses.stderr);
  assert.deepEqual(JSON.parse(loses.stdout).lost.map((d) => d.rule).sort(), ['Bash(git diff:*)', 'Read(/src/**)']);
});

test('npx agentbus bench says it needs a source checkout (exit 2)', () => {
  const result = agentbus(['bench', '--json']);
  assert.equal(result.status, 2);
  assert.match(JSON.parse(result.stdout).error, /source checkout/);
});

test('nothing was written inside the installed package', () => {
  assert.deepEqual(listing(), before);
});
