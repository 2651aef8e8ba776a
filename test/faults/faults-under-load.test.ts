import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLED_POLICY_DIR, createAgentBus } from '../../src/index.ts';
import { faultBus, FaultRun, rand, settledHeap, sleep } from './fault-harness.ts';

const THROWING_STAGE = fileURLToPath(new URL('../fixtures/throwing-stage.ts', import.meta.url));
const MALFORMED_STAGE = fileURLToPath(new URL('../fixtures/malformed-stage.ts', import.meta.url));

/** Runs `load` for `loadMs`, calls close() `closeAfterMs` into it, then checks the books. */
async function loadThenClose(run: FaultRun, loadMs: number, closeAfterMs: number, make: Parameters<FaultRun['openLoop']>[2], during?: () => void) {
  const load = run.openLoop(loadMs, 4, make, during);
  await sleep(closeAfterMs);
  const closing = run.bus.close({ timeoutMs: 3_000 });
  await load;
  await closing;
  return run.check();
}

test('stages that throw or answer malformed values, under load, close() in the middle: E_INTERNAL, nothing else lost', async () => {
  const baseline = settledHeap();
  const bus = await faultBus({ policy: false, stages: [THROWING_STAGE, MALFORMED_STAGE] });
  const run = new FaultRun(bus, 'stages');
  bus.registerAgent({ id: 'a', tenantId: 'acme', handler: run.handler('acme') });
  bus.registerAgent({ id: 'b', tenantId: 'acme', handler: run.handler('acme') });
  const answers = ['false', 'undefined', 'reasons-without-code', 'unknown-code'];
  const { delivered, codes } = await loadThenClose(run, 800, 500, (i) => ({
    from: 'a', to: 'b', type: 'event', tenantId: 'acme', payload: i % 5 === 1 ? { i, answer: answers[i % answers.length]! } : { i, answer: null },
  }));
  assert.ok(delivered > 0 && (codes.E_INTERNAL ?? 0) > 0, JSON.stringify({ delivered, codes }));
  for (const code of Object.keys(codes)) assert.ok(['E_INTERNAL', 'E_CLOSED'].includes(code), `unexpected ${code}`);
  assert.equal(bus.health().restarts, 0, 'a throwing stage does not take its thread down');
  assert.ok(settledHeap() - baseline < 48 * 1024 * 1024);
});

test('a policy that answers garbage, under load, close() in the middle: every send settles with a typed outcome', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentbus-garbage-policy-'));
  copyFileSync(join(BUNDLED_POLICY_DIR, 'data.json'), join(dir, 'data.json'));
  writeFileSync(
    join(dir, 'agentbus.rego'),
    ['package agentbus', 'import rego.v1', 'decision := {"allow": true, "deny": "x"} if input.message.payload.g == 0', 'decision := "garbage" if input.message.payload.g == 1', 'decision := {"allow": false, "deny": ["no"]} if input.message.payload.g == 2', ''].join('\n'),
  );
  const bus = await faultBus({ policy: dir });
  const run = new FaultRun(bus, 'garbage-policy');
  bus.registerAgent({ id: 'a', tenantId: 'acme', handler: run.handler('acme') });
  bus.registerAgent({ id: 'b', tenantId: 'acme', handler: run.handler('acme') });
  const { codes } = await loadThenClose(run, 600, 400, (i) => ({ from: 'a', to: 'b', type: 'event', tenantId: 'acme', payload: { g: i % 4, i } }));
  // g == 2 is a well-formed denial; g == 3 leaves `decision` undefined: both refused.
  assert.ok((codes.E_POLICY_DENIED ?? 0) + (codes.E_POLICY_ERROR ?? 0) > 0, JSON.stringify(codes));
  assert.equal(bus.health().restarts, 0);
});

test('a handler that never returns, under load: sends fail E_TIMEOUT at their deadline, the rest flows, close() ends', async () => {
  const bus = await faultBus({ policy: false, messageTimeoutMs: 300, maxInFlight: 256, admissionTimeoutMs: 100 });
  const run = new FaultRun(bus, 'blocked-handler');
  bus.registerAgent({ id: 'a', tenantId: 'acme', handler: run.handler('acme') });
  bus.registerAgent({ id: 'stuck', tenantId: 'acme', handler: run.handler('acme', () => new Promise(() => {})) });
  bus.registerAgent({ id: 'fine', tenantId: 'acme', handler: run.handler('acme') });
  const started = performance.now();
  const { delivered, codes } = await loadThenClose(run, 700, 500, (i) => ({ from: 'a', to: i % 10 === 0 ? 'stuck' : 'fine', type: 'event', tenantId: 'acme', payload: { i } }));
  assert.ok(performance.now() - started < 15_000);
  assert.ok(delivered > 0 && (codes.E_TIMEOUT ?? 0) > 0, JSON.stringify({ delivered, codes }));
  for (const [i, r] of run.results.entries()) {
    if (run.ids[i] !== undefined && r?.code === 'E_TIMEOUT') assert.equal(r.status, 'failed', 'a handler overran: failed, not rejected');
  }
});

test('agents re-registered across tenants while their messages are in flight: no handler ever gets another tenant\'s message', async () => {
  const bus = await faultBus({ policy: false });
  const run = new FaultRun(bus, 'reregister');
  bus.registerAgent({ id: 'alice', tenantId: 'acme', handler: run.handler('acme') });
  bus.registerAgent({ id: 'mallory', tenantId: 'evil', handler: run.handler('evil') });
  bus.registerAgent({ id: 'bob', tenantId: 'acme', handler: run.handler('acme') });
  let flips = 0;
  const flip = () => {
    if (rand(2) === 0) return;
    try {
      flipOnce();
    } catch (error) {
      // After close() registration throws E_CLOSED by contract; the load goes on to check sends after close.
      assert.equal((error as { code?: string }).code, 'E_CLOSED');
    }
  };
  const flipOnce = () => {
    const current = bus.getAgent('bob');
    bus.unregisterAgent('bob');
    const tenant = current?.tenantId === 'acme' ? 'evil' : 'acme';
    bus.registerAgent({ id: 'bob', tenantId: tenant, handler: run.handler(tenant) });
    flips++;
  };
  const { delivered, codes } = await loadThenClose(run, 900, 700, (i) => (i % 2 === 0
    ? { from: 'alice', to: 'bob', type: 'event', tenantId: 'acme', payload: { i } }
    : { from: 'mallory', to: 'bob', type: 'event', tenantId: 'evil', payload: { i } }), flip);
  assert.ok(flips > 20 && delivered > 0 && (codes.E_TENANT ?? 0) > 0, JSON.stringify({ flips, delivered, codes }));
});

/**
 * A template that cannot compile (nonlinear over an existential variable), so every decision goes to the solver
 * pool: the bundled templates all compile and never reach the solver.
 */
const PER_MESSAGE_POLICY = {
  revision: 'faults-per-message',
  routing: { threshold: 0.8 },
  templates: [
    {
      id: 'square-amount',
      description: 'the amount is a perfect square: nonlinear, decided per message by Z3',
      bindings: { amount: { sort: 'Int', from: 'payload.amount', default: 0, min: 0 } },
      variables: { r: 'Int' },
      constraints: [{ name: 'square', assert: '(= (* r r) amount)' }],
    },
  ],
};

test('the solver thread recycled again and again (every decision over its budget), under load, close() in the middle: deliberated messages fail closed', async () => {
  const bus = await createAgentBus({ workers: 1, log: () => {}, deliberation: { timeoutMs: 1, policy: PER_MESSAGE_POLICY as never } });
  const run = new FaultRun(bus, 'solver');
  bus.registerAgent({ id: 'treasurer', tenantId: 'tenant-a', tier: 2, handler: run.handler('tenant-a') });
  bus.registerAgent({ id: 'bank', tenantId: 'tenant-a', handler: run.handler('tenant-a') });
  const { codes } = await loadThenClose(run, 800, 600, (i) => ({
    from: 'treasurer', to: 'bank', type: 'command', tenantId: 'tenant-a', payload: { action: 'transfer', amount: 1_000 + i, currency: 'EUR' },
  }));
  assert.ok((codes.E_DELIBERATION_ERROR ?? 0) > 0, JSON.stringify(codes));
  for (const code of Object.keys(codes)) assert.ok(['E_DELIBERATION_ERROR', 'E_OVERLOADED', 'E_CLOSED'].includes(code), `unexpected ${code}: ${JSON.stringify(codes)}`);
});
