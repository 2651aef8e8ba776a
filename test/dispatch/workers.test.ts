import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveOptions } from '../../src/config.ts';
import { WorkersJudge } from '../../src/dispatch/workers.ts';
import { judgeWiring, handedBack } from './judge-fixture.ts';

const message = (to: string, extra: object = {}) => ({ from: 'alice', to, tenantId: 'acme', type: 'event' as const, payload: { n: 1 }, ...extra });

/** A workers judge with one real validation thread, alice and bob registered in acme. */
function startJudge() {
  const wiring = judgeWiring();
  wiring.registry.register({ id: 'alice', tenantId: 'acme', handler: () => {} }, 256);
  wiring.registry.register({ id: 'bob', tenantId: 'acme', handler: () => {} }, 256);
  const judge = new WorkersJudge(resolveOptions({ workers: 1 }), 'validation', false, null, wiring);
  judge.start();
  return { wiring, judge };
}

test('the workers judge: verdicts from a real validation thread, one per message, registry shipped before the messages', async () => {
  const { wiring, judge } = startJudge();
  try {
    const sent = Array.from({ length: 300 }, (_, i) => wiring.admit(message(i % 3 === 0 ? 'ghost' : 'bob')));
    for (const { slot, entry } of sent) judge.submit(slot, entry);
    await handedBack(wiring.handed, 300);
    const bySlot = new Map(wiring.handed.map((h) => [h.slot, 'code' in h ? h.code : h.failure]));
    assert.equal(bySlot.size, 300, 'each message handed back exactly once');
    sent.forEach(({ slot }, i) => assert.equal(bySlot.get(slot), i % 3 === 0 ? 'E_UNKNOWN_AGENT' : null));
    // A registration after the first batch reaches the thread before the next message.
    wiring.registry.register({ id: 'ghost', tenantId: 'acme', handler: () => {} }, 256);
    const late = wiring.admit(message('ghost'));
    judge.submit(late.slot, late.entry);
    await handedBack(wiring.handed, 301);
    assert.equal((wiring.handed[300] as { code: unknown }).code, null);
    assert.equal(judge.threads.length, 1);
  } finally {
    await judge.stop();
  }
});

test('the workers judge: a killed thread is replaced, nothing it held is lost, and nothing is handed back twice', async () => {
  const { wiring, judge } = startJudge();
  try {
    const warm = wiring.admit(message('bob'));
    judge.submit(warm.slot, warm.entry);
    await handedBack(wiring.handed, 1);
    const sent = Array.from({ length: 2000 }, () => wiring.admit(message('bob')));
    for (const { slot, entry } of sent) judge.submit(slot, entry);
    // Kill the thread while most of the batch is still unanswered.
    await judge.threads[0]!.terminate();
    await handedBack(wiring.handed, 2001, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(wiring.handed.length, 2001, 'nothing handed back twice');
    assert.equal(new Set(wiring.handed.map((h) => h.slot)).size, 2001);
    assert.ok(judge.counters().threads.restarts >= 1, 'the thread was replaced');
    // Everything either judged (allowed) or charged with the crash — never silently dropped.
    for (const h of wiring.handed) assert.ok(('code' in h && h.code === null) || ('failure' in h && h.failure === 'E_POISON_MESSAGE'), JSON.stringify(h));
  } finally {
    await judge.stop();
  }
});
