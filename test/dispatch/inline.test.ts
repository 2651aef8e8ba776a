import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveOptions } from '../../src/config.ts';
import { InlineJudge } from '../../src/dispatch/inline.ts';
import { judgeWiring, handedBack } from './judge-fixture.ts';

const message = (to: string, extra: object = {}) => ({ from: 'alice', to, tenantId: 'acme', type: 'event' as const, payload: { n: 1 }, ...extra });

test('the inline judge hands back one verdict per message, never inside submit(), each with its own code', async () => {
  const wiring = judgeWiring();
  wiring.registry.register({ id: 'alice', tenantId: 'acme', handler: () => {} }, 256);
  wiring.registry.register({ id: 'bob', tenantId: 'acme', handler: () => {} }, 256);
  wiring.registry.register({ id: 'eve', tenantId: 'evil', handler: () => {} }, 256);
  const judge = (await InlineJudge.create(resolveOptions({ mode: 'inline' }), 'validation', null, false))(wiring);
  judge.start();
  const sent = [message('bob'), message('eve'), message('ghost'), message('bob', { constitutionalHash: 'nope' })].map((m) => wiring.admit(m));
  for (const { slot, entry } of sent) judge.submit(slot, entry);
  assert.equal(wiring.handed.length, 0, 'judged in a later macrotask, not synchronously');
  await handedBack(wiring.handed, 4);
  assert.deepEqual(
    wiring.handed.map((h) => [h.slot, 'code' in h ? h.code : h.failure]),
    [[sent[0]!.slot, null], [sent[1]!.slot, 'E_TENANT'], [sent[2]!.slot, 'E_UNKNOWN_AGENT'], [sent[3]!.slot, 'E_HASH_MISMATCH']],
  );
  assert.ok(sent.every(({ entry }) => entry.verdicted));
  assert.deepEqual(judge.counters(), { policy: null, threads: { configured: 0, alive: 0, restarts: 0 }, deliberation: null });
  await judge.stop();
});

test('the inline judge sees registry changes made before the batch it judges', async () => {
  const wiring = judgeWiring();
  wiring.registry.register({ id: 'alice', tenantId: 'acme', handler: () => {} }, 256);
  const judge = (await InlineJudge.create(resolveOptions({ mode: 'inline' }), 'validation', null, false))(wiring);
  const first = wiring.admit(message('bob'));
  judge.submit(first.slot, first.entry);
  await handedBack(wiring.handed, 1);
  wiring.registry.register({ id: 'bob', tenantId: 'acme', handler: () => {} }, 256);
  const second = wiring.admit(message('bob'));
  judge.submit(second.slot, second.entry);
  await handedBack(wiring.handed, 2);
  assert.deepEqual(wiring.handed.map((h) => ('code' in h ? h.code : h.failure)), ['E_UNKNOWN_AGENT', null]);
});
