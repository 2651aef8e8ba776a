import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createAgentBus, type AgentMessage } from '../../src/index.ts';
import { sleep } from '../helpers/within.ts';

const SLOW_STAGE = fileURLToPath(new URL('../fixtures/slow-stage.ts', import.meta.url));

test('defect 1, workers mode: bob of acme is replaced by a bob of evil while an acme message to bob is judged → evil never receives it', async () => {
  const bus = await createAgentBus({ workers: 1, policy: false, stages: [SLOW_STAGE], log: () => {} });
  try {
    const evilGot: AgentMessage[] = [];
    bus.registerAgent({ id: 'alice', tenantId: 'acme', handler: () => {} });
    bus.registerAgent({ id: 'bob', tenantId: 'acme', handler: () => {} });
    // The worker judges it against the registry as it was (bob in acme), slowly.
    const sent = bus.send({ from: 'alice', to: 'bob', type: 'command', tenantId: 'acme', payload: { sleepMs: 400, secret: 'acme-only' } });
    await sleep(150);
    assert.equal(bus.unregisterAgent('bob'), true);
    bus.registerAgent({ id: 'bob', tenantId: 'evil', handler: (m) => void evilGot.push(m) });
    const result = await sent;
    assert.notEqual(result.status, 'delivered', JSON.stringify(result));
    assert.equal(result.code, 'E_TENANT');
    assert.deepEqual(evilGot, []);
  } finally {
    await bus.close();
  }
});

test('defect 7: a message that expires while it waits (behind a slow stage) is expired, not delivered', async () => {
  const bus = await createAgentBus({ workers: 1, policy: false, stages: [SLOW_STAGE], log: () => {} });
  try {
    let delivered = 0;
    bus.registerAgent({ id: 'alice', tenantId: 'acme', handler: () => {} });
    bus.registerAgent({ id: 'bob', tenantId: 'acme', handler: () => void delivered++ });
    // Judged (not yet expired) at once by the worker, which then holds it 400 ms: it expires before delivery.
    const result = await bus.send({ from: 'alice', to: 'bob', type: 'command', tenantId: 'acme', expiresAt: Date.now() + 200, payload: { sleepMs: 400 } });
    assert.equal(result.status, 'expired', JSON.stringify(result));
    assert.equal(result.code, 'E_EXPIRED');
    assert.equal(delivered, 0);
  } finally {
    await bus.close();
  }
});

test('defect 7: a message queued behind a slow async handler expires before its turn → expired, not delivered', async () => {
  const bus = await createAgentBus({ workers: 1, policy: false, log: () => {}, maxInFlight: 1, admissionTimeoutMs: 2_000 });
  try {
    const got: string[] = [];
    bus.registerAgent({ id: 'alice', tenantId: 'acme', handler: () => {} });
    bus.registerAgent({ id: 'bob', tenantId: 'acme', handler: async (m) => { got.push(m.id); await sleep(400); } });
    const first = bus.send({ id: 'first', from: 'alice', to: 'bob', type: 'command', tenantId: 'acme' });
    // One slot: the second waits for admission behind the first one's 400 ms handler; it expires meanwhile.
    const second = bus.send({ id: 'second', from: 'alice', to: 'bob', type: 'command', tenantId: 'acme', expiresAt: Date.now() + 150 });
    assert.equal((await first).status, 'delivered');
    const late = await second;
    assert.equal(late.status, 'expired', JSON.stringify(late));
    assert.deepEqual(got, ['first']);
  } finally {
    await bus.close();
  }
});
