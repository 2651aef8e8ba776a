import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createAgentBus } from '../../src/index.ts';
import { checkedStageResult } from '../../src/pipeline/stage-result.ts';

const STAGE = fileURLToPath(new URL('../fixtures/malformed-stage.ts', import.meta.url));
const MALFORMED = ['false', 'undefined', 'zero', 'string', 'reasons-without-code', 'unknown-code', 'reasons-not-strings', 'reasons-missing'];

test('checkedStageResult passes null and well-formed rejections, turns everything else into E_INTERNAL', () => {
  assert.equal(checkedStageResult(null), null);
  const ok = { code: 'E_POLICY_DENIED', reasons: ['x'] } as const;
  assert.equal(checkedStageResult(ok), ok);
  for (const bad of [false, undefined, 0, '', 'x', {}, { reasons: [] }, { code: 'nope', reasons: [] }, { code: 'E_TENANT', reasons: [1] }, { code: 'E_TENANT' }]) {
    assert.equal(checkedStageResult(bad)?.code, 'E_INTERNAL', JSON.stringify(bad));
  }
});

for (const mode of ['inline', 'workers'] as const) {
  test(`${mode} mode: a custom stage returning a malformed answer fails closed with E_INTERNAL, never delivers`, async () => {
    const bus = await createAgentBus({ mode, workers: 1, policy: false, stages: [STAGE], log: () => {} });
    try {
      let delivered = 0;
      bus.registerAgent({ id: 'a', tenantId: 'acme', handler: () => {} });
      bus.registerAgent({ id: 'b', tenantId: 'acme', handler: () => void delivered++ });
      const send = (answer: string) => bus.send({ from: 'a', to: 'b', type: 'command', tenantId: 'acme', payload: { answer } });
      const results = await Promise.all(MALFORMED.map(send));
      results.forEach((r, i) => {
        assert.equal(r.status, 'rejected', `${MALFORMED[i]}: ${JSON.stringify(r)}`);
        assert.equal(r.code, 'E_INTERNAL', `${MALFORMED[i]}: ${JSON.stringify(r)}`);
      });
      const denied = await send('well-formed');
      assert.equal(denied.code, 'E_POLICY_DENIED');
      assert.deepEqual(denied.reasons, ['denied by the stage']);
      const passed = await bus.send({ from: 'a', to: 'b', type: 'command', tenantId: 'acme', payload: { other: 1 } });
      assert.equal(passed.status, 'delivered', JSON.stringify(passed));
      assert.equal(delivered, 1);
      assert.equal(bus.metrics().workers.restarts, 0, 'no worker crashed on a malformed answer');
    } finally {
      await bus.close();
    }
  });
}
