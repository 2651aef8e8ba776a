import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveOptions } from '../../src/config.ts';
import { DeliberatingJudge } from '../../src/dispatch/deliberating-judge.ts';
import { InlineJudge } from '../../src/dispatch/inline.ts';
import { createDeliberation } from '../../src/solver/index.ts';
import { judgeWiring, handedBack } from './judge-fixture.ts';

const transfer = (from: string, amount: number) => ({
  from, to: 'bank', tenantId: 'acme', type: 'command' as const, priority: 3 as const,
  payload: { action: 'transfer', amount, currency: 'EUR', text: 'payment transfer production credential override' },
});

test('high-impact messages are decided by the compiled templates, without the solver; the rest pass through', async () => {
  const deliberation = createDeliberation();
  const report = await deliberation.start();
  assert.equal(report.ok, true);
  assert.deepEqual(deliberation.modes().perMessage, [], 'every bundled template compiles');
  const wiring = judgeWiring();
  for (const [id, tier] of [['rich', 2], ['mid', 1], ['bank', 2]] as const) wiring.registry.register({ id, tenantId: 'acme', tier, handler: () => {} }, 256);
  const makeInner = await InlineJudge.create(resolveOptions({ mode: 'inline' }), 'validation', null, true);
  const judge = new DeliberatingJudge(makeInner, deliberation, 0.8, wiring);
  try {
    const sent = [
      transfer('rich', 500), // tier 2, within every cap: allowed
      transfer('rich', 95_000), // over tier 2's cap of 90,000: tier-quota denies
      { from: 'mid', to: 'bank', tenantId: 'acme', type: 'event' as const, payload: { note: 'hello' } }, // low impact: no deliberation
      { ...transfer('mid', 10), constitutionalHash: 'bad' }, // rejected before deliberation
    ].map((m) => wiring.admit(m));
    for (const { slot, entry } of sent) judge.submit(slot, entry);
    await handedBack(wiring.handed, 4);
    const bySlot = new Map(wiring.handed.map((h) => [h.slot, h]));
    const codeOf = (i: number) => { const h = bySlot.get(sent[i]!.slot)!; return 'code' in h ? h.code : h.failure; };
    assert.equal(codeOf(0), null);
    assert.equal(codeOf(1), 'E_DELIBERATION_DENIED');
    assert.match((bySlot.get(sent[1]!.slot) as { reasons: string[] }).reasons.join(' '), /^tier-quota: violated /);
    assert.equal(codeOf(2), null);
    assert.equal(codeOf(3), 'E_HASH_MISMATCH');
    const stats = deliberation.stats();
    assert.ok(stats.compiled >= 1, 'the allowed transfer was decided by a compiled template');
    assert.equal(stats.errors, 0);
    assert.equal(judge.counters().deliberation?.allowed, 1);
  } finally {
    await judge.stop();
  }
});
