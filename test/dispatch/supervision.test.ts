import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createAgentBus, type JsonValue, type SendResult } from '../../src/index.ts';
import { ValidatorPool } from '../../src/dispatch/pool.ts';
import { restartDelayMs, RESTART_CAP_MS } from '../../src/dispatch/restart-backoff.ts';
import { within } from '../helpers/within.ts';

const CRASH_STAGE = fileURLToPath(new URL('../fixtures/crash-stage.ts', import.meta.url));

test('restart backoff: 10 ms, doubling, capped at 5 s, for any number of crashes', () => {
  assert.equal(restartDelayMs(1), 10);
  assert.equal(restartDelayMs(2), 20);
  assert.equal(restartDelayMs(5), 160);
  assert.equal(restartDelayMs(1_000), RESTART_CAP_MS);
  assert.equal(RESTART_CAP_MS, 5_000);
});

test("the validation pool handles Piscina's 'error' event: it can never exit the host", async () => {
  const pool = new ValidatorPool(1);
  try {
    assert.ok(pool.errorListeners > 0);
    // An unhandled 'error' event throws out of emit(); a handled one does not.
    assert.doesNotThrow(() => (pool as unknown as { piscina: { emit(e: string, x: unknown): void } }).piscina.emit('error', new Error('thread died outside a task')));
  } finally {
    await pool.destroy();
  }
});

test('one worker, crash after crash (10 in a row): it is restarted every time, never given up; health says down while it is; sends settle', async () => {
  const logged: string[] = [];
  const bus = await createAgentBus({ workers: 1, policy: false, stages: [CRASH_STAGE], log: (l) => logged.push(l), messageTimeoutMs: 20_000 });
  try {
    bus.registerAgent({ id: 'alice', tenantId: 'acme', handler: () => {} });
    bus.registerAgent({ id: 'bob', tenantId: 'acme', handler: () => {} });
    const send = (payload: Record<string, JsonValue>, extra: object = {}) => bus.send({ from: 'alice', to: 'bob', type: 'command', tenantId: 'acme', payload, ...extra });
    // Five poison messages, one after another: ten crashes in a row (a poison message takes two).
    for (let i = 0; i < 5; i++) {
      const r = await within(send({ crash: true, i }), 20_000);
      assert.notEqual(r, 'timed out', `poison message ${i} never settled`);
      assert.equal((r as SendResult).code, 'E_POISON_MESSAGE', JSON.stringify(r));
    }
    // The tenth restart waits out its backoff (5.12 s): no validation worker is alive now.
    const health = bus.health();
    assert.equal(health.status, 'down', JSON.stringify(health));
    assert.deepEqual(health.workers, { configured: 1, alive: 0 });
    assert.ok(health.restarts >= 10);
    // A message with a short deadline settles E_UNAVAILABLE by its deadline instead of waiting.
    const started = performance.now();
    const unavailable = await within(send({ ok: 1 }, { deadlineMs: 150 }), 3_000);
    assert.notEqual(unavailable, 'timed out', 'a send with no worker alive never settled');
    assert.equal((unavailable as SendResult).code, 'E_UNAVAILABLE', JSON.stringify(unavailable));
    assert.ok(performance.now() - started < 2_000);
    // And once the worker is back, messages are judged and delivered again.
    const delivered = await within(send({ ok: 2 }), 20_000);
    assert.notEqual(delivered, 'timed out', 'the bus never recovered');
    assert.equal((delivered as SendResult).status, 'delivered', JSON.stringify(delivered));
    assert.equal(bus.health().status, 'ok');
    assert.ok(!logged.some((l) => /not restarting/.test(l)));
  } finally {
    await bus.close({ timeoutMs: 2_000 });
  }
});
