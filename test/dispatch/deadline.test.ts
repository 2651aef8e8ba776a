import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createAgentBus, type AgentBus, type JsonValue, type SendResult } from '../../src/index.ts';
import { eventually, sleep, within } from '../helpers/within.ts';

const SLOW_STAGE = fileURLToPath(new URL('../fixtures/slow-stage.ts', import.meta.url));

async function withBus(options: Parameters<typeof createAgentBus>[0], body: (bus: AgentBus, calls: string[]) => Promise<void>): Promise<void> {
  const bus = await createAgentBus({ workers: 1, policy: false, log: () => {}, stages: [SLOW_STAGE], ...options });
  const calls: string[] = [];
  bus.registerAgent({ id: 'alice', tenantId: 'acme', handler: () => {} });
  bus.registerAgent({ id: 'bob', tenantId: 'acme', handler: (m) => void calls.push(m.id) });
  try {
    await body(bus, calls);
  } finally {
    await bus.close({ timeoutMs: 2_000 });
  }
}

const toBob = (payload: Record<string, JsonValue>, extra: object = {}) => ({ from: 'alice', to: 'bob', type: 'command' as const, tenantId: 'acme', payload, ...extra });

test('workers: a stage stuck on one message — it settles E_TIMEOUT by its deadline, is never delivered, the thread is recycled and the next message goes through', async () => {
  await withBus({ messageTimeoutMs: 400 }, async (bus, calls) => {
    const started = performance.now();
    const stuck = await within(bus.send(toBob({ hang: true })), 5_000);
    assert.notEqual(stuck, 'timed out', 'the send of a message on a stuck stage never settled');
    const result = stuck as SendResult;
    assert.equal(result.status, 'rejected', JSON.stringify(result));
    assert.equal(result.code, 'E_TIMEOUT');
    assert.ok(performance.now() - started < 3_000, `settled after ${performance.now() - started} ms`);
    // The stuck thread is terminated and restarted; then messages are judged again.
    assert.ok(await eventually(() => bus.health().restarts >= 1 && bus.health().status === 'ok', 30_000), JSON.stringify(bus.health()));
    const next = await within(bus.send(toBob({ ok: 1 })), 10_000);
    assert.notEqual(next, 'timed out');
    assert.equal((next as SendResult).status, 'delivered', JSON.stringify(next));
    assert.ok(bus.health().restarts >= 1, 'the stuck thread was recycled');
    assert.deepEqual(calls, [(next as SendResult).id], 'only the second message reached the handler');
  });
});

test('workers: a slow stage (judged after the deadline) — E_TIMEOUT, and the handler is never called late', async () => {
  await withBus({ messageTimeoutMs: 5_000 }, async (bus, calls) => {
    const result = await bus.send(toBob({ sleepMs: 600 }, { deadlineMs: 150 }));
    assert.equal(result.code, 'E_TIMEOUT', JSON.stringify(result));
    assert.equal(result.status, 'rejected');
    await sleep(900);
    assert.deepEqual(calls, [], 'a message past its deadline was delivered');
    assert.equal(bus.metrics().inFlight, 0, 'its slot is freed once the worker handed it back');
  });
});

test('inline: a stage slower than the deadline — judged, then refused at delivery with E_TIMEOUT', async () => {
  await withBus({ mode: 'inline', messageTimeoutMs: 200 }, async (bus, calls) => {
    const result = await bus.send(toBob({ sleepMs: 400 }));
    assert.equal(result.code, 'E_TIMEOUT', JSON.stringify(result));
    assert.deepEqual(calls, []);
  });
});

test('a handler that overruns the deadline: the send fails E_TIMEOUT at the deadline; the slot is held until the handler returns', async () => {
  let finish: () => void = () => {};
  const bus = await createAgentBus({ workers: 1, policy: false, log: () => {}, messageTimeoutMs: 200 });
  try {
    let called = 0;
    bus.registerAgent({ id: 'alice', tenantId: 'acme', handler: () => {} });
    bus.registerAgent({ id: 'slow', tenantId: 'acme', handler: () => new Promise<void>((resolve) => { called++; finish = resolve; }) });
    const started = performance.now();
    const result = await within(bus.send({ from: 'alice', to: 'slow', type: 'command', tenantId: 'acme' }), 5_000);
    assert.notEqual(result, 'timed out');
    assert.equal((result as SendResult).status, 'failed', JSON.stringify(result));
    assert.equal((result as SendResult).code, 'E_TIMEOUT');
    assert.ok(performance.now() - started < 2_000);
    assert.equal(called, 1);
    assert.equal(bus.metrics().inFlight, 1, 'the slot stays taken while the handler runs');
    finish();
    await sleep(20);
    assert.equal(bus.metrics().inFlight, 0, 'the slot is freed when the handler returns');
  } finally {
    finish();
    await bus.close();
  }
});

test('deadlineMs only shortens messageTimeoutMs; a malformed one is E_INVALID_MESSAGE', async () => {
  await withBus({ mode: 'inline', messageTimeoutMs: 100 }, async (bus, calls) => {
    const capped = await bus.send(toBob({ sleepMs: 250 }, { deadlineMs: 60_000 }));
    assert.equal(capped.code, 'E_TIMEOUT', 'a longer deadlineMs does not extend messageTimeoutMs');
    for (const deadlineMs of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, '100']) {
      const bad = await bus.send(toBob({}, { deadlineMs }) as never);
      assert.equal(bad.code, 'E_INVALID_MESSAGE', String(deadlineMs));
    }
    assert.equal((await bus.send(toBob({}, { deadlineMs: 50 }))).status, 'delivered');
    assert.equal(calls.length, 1);
  });
});
