import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLED_POLICY_DIR, createAgentBus, type AgentBus, type BusOptions } from '../src/index.ts';

async function withBus(options: BusOptions, body: (bus: AgentBus, log: string[]) => Promise<void>): Promise<void> {
  const log: string[] = [];
  const bus = await createAgentBus({ workers: 1, log: (line) => log.push(line), deliberation: false, ...options });
  try {
    await body(bus, log);
  } finally {
    await bus.close();
  }
}

function registerTeam(bus: AgentBus): void {
  bus.registerAgent({ id: 'planner', tenantId: 'tenant-a', type: 'orchestrator', handler: () => {} });
  bus.registerAgent({ id: 'coder', tenantId: 'tenant-a', type: 'worker', handler: () => {} });
  bus.registerAgent({ id: 'auditor', tenantId: 'tenant-a', type: 'auditor', handler: () => {} });
}

for (const mode of ['workers', 'inline'] as const) {
  test(`${mode}: the bundled policy is evaluated by default, and its denials carry its reasons`, async () => {
    await withBus({ mode }, async (bus) => {
      registerTeam(bus);
      assert.deepEqual(bus.policyInfo?.entrypoint, 'agentbus/decision');
      const base = { from: 'planner', tenantId: 'tenant-a', payload: { note: 'x' } } as const;
      assert.equal((await bus.send({ ...base, to: 'coder', type: 'task_request' })).status, 'delivered');
      const audit = await bus.send({ ...base, to: 'coder', type: 'audit_log' });
      assert.equal(audit.status, 'rejected');
      assert.equal(audit.code, 'E_POLICY_DENIED');
      assert.match(audit.reasons.join(' '), /audit_log messages may only be sent to agents of type auditor/);
      assert.equal((await bus.send({ ...base, to: 'auditor', type: 'audit_log' })).status, 'delivered');
      const loud = await bus.send({ ...base, to: 'coder', type: 'heartbeat', priority: 3 });
      assert.equal(loud.code, 'E_POLICY_DENIED');
      const blocked = await bus.send({ ...base, to: 'coder', type: 'event', metadata: { blocked: 'true' } });
      assert.deepEqual([blocked.code, blocked.reasons], ['E_POLICY_DENIED', ['message is marked blocked']]);
      // The same decision again comes from the cache.
      for (let i = 0; i < 5; i++) await bus.send({ ...base, to: 'coder', type: 'task_request' });
      const cache = bus.metrics().policyCache!;
      assert.ok(cache.hits >= 5, JSON.stringify(cache));
      assert.ok(cache.misses >= 4, JSON.stringify(cache));
    });
  });
}

for (const mode of ['workers', 'inline'] as const) {
  for (const policyCache of [false, { max: 1000, ttlMs: 60_000 }] as const) {
    test(`${mode}, cache ${policyCache ? 'on' : 'off'}: a batch mixing early rejections, policy denials and allowed messages gets each message's own verdict`, async () => {
      await withBus({ mode, policyCache }, async (bus) => {
        registerTeam(bus);
        bus.registerAgent({ id: 'outsider', tenantId: 'tenant-b', handler: () => {} });
        const base = { from: 'planner', tenantId: 'tenant-a', payload: { n: 1 } } as const;
        const batch = [
          { ...base, to: 'coder', type: 'task_request' },
          { ...base, to: 'coder', type: 'audit_log' },
          { ...base, to: 'coder', type: 'event', constitutionalHash: 'not-it' },
          { ...base, to: 'auditor', type: 'audit_log' },
          { ...base, to: 'outsider', type: 'event' },
          { ...base, to: 'coder', type: 'event', metadata: { blocked: 'true' } },
          { ...base, to: 'coder', type: 'query' },
        ] as const;
        const want = [null, 'E_POLICY_DENIED', 'E_HASH_MISMATCH', null, 'E_TENANT', 'E_POLICY_DENIED', null];
        // Twice: the second round is answered from the cache when it is on.
        for (let round = 0; round < 2; round++) {
          const results = await bus.sendBatch(batch.map((m) => ({ ...m })));
          assert.deepEqual(results.map((r) => r.code ?? null), want);
          assert.deepEqual(results[5]!.reasons, ['message is marked blocked']);
        }
        // With the cache: only the five messages that pass hash and tenant reach the policy, in each round.
        if (policyCache) assert.deepEqual(bus.metrics().policyCache, { hits: 5, misses: 5 });
      });
    });
  }
}

test('policy: false runs without a policy, and the bus says so', async () => {
  await withBus({ policy: false }, async (bus, log) => {
    registerTeam(bus);
    assert.equal(bus.policyInfo, null);
    assert.ok(log.some((line) => /without a policy/.test(line)), log.join('\n'));
    assert.equal((await bus.send({ from: 'planner', to: 'coder', type: 'audit_log', tenantId: 'tenant-a' })).status, 'delivered');
    assert.equal(bus.metrics().policyCache, undefined);
  });
});

test('a policy that cannot be loaded fails createAgentBus with E_CONFIG', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentbus-policy-'));
  writeFileSync(join(dir, 'broken.rego'), 'package agentbus\n\ndecision := {"allow": true if\n');
  await assert.rejects(createAgentBus({ workers: 1, log: () => {}, deliberation: false, policy: dir }), { code: 'E_CONFIG' });
  await assert.rejects(createAgentBus({ workers: 1, log: () => {}, deliberation: false, policy: false, pipeline: 'full' }), { code: 'E_CONFIG' });
});

for (const mode of ['workers', 'inline'] as const) {
  test(`${mode}: setPolicy swaps the policy for every later message, and old decisions are not reused`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentbus-policy-'));
    cpSync(BUNDLED_POLICY_DIR, dir, { recursive: true });
    const data = JSON.parse(readFileSync(join(dir, 'data.json'), 'utf8'));
    data.agentbus.permissions.planner = { recipients: ['auditor'], types: ['**'] };
    writeFileSync(join(dir, 'data.json'), JSON.stringify(data));
    await withBus({ mode }, async (bus) => {
      registerTeam(bus);
      const message = { from: 'planner', to: 'coder', type: 'task_request', tenantId: 'tenant-a' } as const;
      const before = bus.policyInfo!.revision;
      assert.equal((await bus.send(message)).status, 'delivered');
      const inFlight = Array.from({ length: 2_000 }, () => bus.send(message));
      const { revision } = await bus.setPolicy(dir);
      assert.notEqual(revision, before);
      assert.equal(bus.policyInfo!.revision, revision);
      const after = await Promise.all(Array.from({ length: 2_000 }, () => bus.send(message)));
      for (const result of after) {
        assert.equal(result.code, 'E_POLICY_DENIED', 'a cached allow of the old policy must not leak');
        assert.deepEqual(result.reasons, ['planner may not send to coder']);
      }
      // Messages sent before the swap were judged by one whole policy or the other, never a mix.
      for (const result of await Promise.all(inFlight)) {
        assert.ok(result.status === 'delivered' || result.reasons.join() === 'planner may not send to coder', JSON.stringify(result));
      }
      assert.equal((await bus.send({ ...message, to: 'auditor' })).status, 'delivered');
    });
  });
}

test('setPolicy with a broken policy throws and leaves the current one in force', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentbus-policy-'));
  writeFileSync(join(dir, 'p.rego'), 'package agentbus\nimport rego.v1\ndecision := x if { x := http.send({}) }\n');
  await withBus({}, async (bus) => {
    registerTeam(bus);
    const revision = bus.policyInfo!.revision;
    await assert.rejects(bus.setPolicy(dir), { code: 'E_CONFIG' });
    assert.equal(bus.policyInfo!.revision, revision);
    assert.equal((await bus.send({ from: 'planner', to: 'coder', type: 'event', tenantId: 'tenant-a' })).status, 'delivered');
  });
});

test('a high-impact message is decided by Z3 before delivery; a deny names the violated constraint', async () => {
  const log: string[] = [];
  const bus = await createAgentBus({ workers: 1, log: (line) => log.push(line) });
  try {
    // The report's own verdict lines: the no-bypass proof passed, every check passed, and no line says FAIL.
    const report = log.join('\n');
    assert.match(report, /^\s*ok\s+no bypass: /m, `static checks printed: ${report}`);
    assert.match(report, /^all static checks passed$/m, `static checks printed: ${report}`);
    assert.doesNotMatch(report, /FAIL/, `static checks printed: ${report}`);
    const delivered: string[] = [];
    bus.registerAgent({ id: 'treasurer', tenantId: 'tenant-a', tier: 2, handler: () => {} });
    bus.registerAgent({ id: 'bank', tenantId: 'tenant-a', handler: (m) => { delivered.push(m.id); } });
    const base = { from: 'treasurer', to: 'bank', type: 'command', tenantId: 'tenant-a' } as const;
    const small = await bus.send({ ...base, payload: { action: 'transfer', amount: 5_000, currency: 'EUR' } });
    assert.ok((small.impact ?? 0) >= 0.8, JSON.stringify(small));
    assert.equal(small.status, 'delivered', JSON.stringify(small));
    const huge = await bus.send({ ...base, payload: { action: 'transfer', amount: 95_000, currency: 'EUR' } });
    assert.equal(huge.status, 'rejected');
    assert.equal(huge.code, 'E_DELIBERATION_DENIED');
    assert.match(huge.reasons.join(' '), /tier-quota: violated .*(tier-caps|request-covered)/);
    assert.ok((huge.impact ?? 0) >= 0.8);
    const low = await bus.send({ ...base, payload: { action: 'read', path: '/docs' } });
    assert.equal(low.status, 'delivered');
    assert.ok((low.impact ?? 0) < 0.8);
    assert.deepEqual(delivered, [small.id, low.id], 'the denied transfer never reached its handler');
    const stats = bus.metrics().deliberation!;
    assert.equal(stats.decisions, 2);
    assert.equal(stats.denied, 1);
  } finally {
    await bus.close();
  }
});
