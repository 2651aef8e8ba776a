// A policy answer the bus cannot read is E_POLICY_ERROR, never an allow: each malformed `decision` below is
// compiled by our Rego compiler and evaluated by the real OPA SDK, alone, in a batch, and through the bus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPolicyEvaluator } from '../../src/pipeline/policy.ts';
import { buildPolicyInput } from '../../src/pipeline/policy-input.ts';
import { loadPolicySource } from '../../src/rego/bundle.ts';
import { DEFAULT_CONSTITUTIONAL_HASH, type AgentMessage } from '../../src/model/message.ts';
import { createAgentBus } from '../../src/index.ts';

const MALFORMED: readonly (readonly [string, string])[] = [
  ['deny is an object', '{"allow": true, "deny": {"a": 1}}'],
  ['deny is a string', '{"allow": true, "deny": "x"}'],
  ['deny holds a number', '{"allow": true, "deny": [1]}'],
  ['deny is null', '{"allow": true, "deny": null}'],
  ['allow is a string', '{"allow": "true", "deny": []}'],
  ['allow is missing', '{"deny": []}'],
  ['an extra field', '{"allow": true, "deny": [], "override": true}'],
  ['an array', '[true]'],
  ['a number', '1'],
];

function policyDir(decision: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentbus-answer-'));
  writeFileSync(join(dir, 'p.rego'), `package agentbus\nimport rego.v1\ndecision := ${decision} if { input.message.from }\n`);
  return dir;
}

const message = (from: string): AgentMessage => ({
  id: 'm', from, to: 'bob', type: 'command', tenantId: 'acme', priority: 1, constitutionalHash: DEFAULT_CONSTITUTIONAL_HASH,
  payload: null, metadata: {}, createdAt: 0,
});
const input = (from: string) => buildPolicyInput(message(from), 10, { expectedHash: DEFAULT_CONSTITUTIONAL_HASH, now: 0 });

for (const [name, decision] of MALFORMED) {
  test(`a policy answer where ${name} is E_POLICY_ERROR, alone and in a batch, cache on and off`, () => {
    const source = loadPolicySource(policyDir(decision));
    for (const cache of [false, { max: 100, ttlMs: 60_000 }] as const) {
      const evaluator = createPolicyEvaluator({ module: source.module, data: source.data, entrypoint: 'agentbus/decision', revision: source.revision, cache });
      const alone = evaluator.evaluate(input('alice'));
      assert.equal(alone.allowed, false, `${decision} allowed`);
      assert.equal(!alone.allowed && alone.code, 'E_POLICY_ERROR');
      // Three distinct misses go through the batch entrypoint in one call.
      const many = evaluator.evaluateMany([input('a1'), input('a2'), input('a3')]);
      for (const verdict of many) assert.equal(!verdict.allowed && verdict.code, 'E_POLICY_ERROR', JSON.stringify(verdict));
    }
  });
}

test('well-formed answers still decide: allow with no deny, allow with an empty deny, deny reasons', () => {
  const cases = [
    ['{"allow": true}', { allowed: true }],
    ['{"allow": true, "deny": []}', { allowed: true }],
    ['{"allow": false, "deny": ["no"]}', { allowed: false, code: 'E_POLICY_DENIED', reasons: ['no'] }],
    ['{"allow": true, "deny": ["still no"]}', { allowed: false, code: 'E_POLICY_DENIED', reasons: ['still no'] }],
  ] as const;
  for (const [decision, expected] of cases) {
    const source = loadPolicySource(policyDir(decision));
    const evaluator = createPolicyEvaluator({ module: source.module, data: source.data, entrypoint: 'agentbus/decision', revision: source.revision, cache: false });
    assert.deepEqual(evaluator.evaluate(input('alice')), expected, decision);
  }
});

for (const mode of ['workers', 'inline'] as const) {
  test(`${mode}: a message judged by a malformed policy answer is rejected with E_POLICY_ERROR, never delivered`, async () => {
    for (const decision of ['{"allow": true, "deny": {"a": 1}}', '{"allow": true, "deny": "x"}']) {
      const received: string[] = [];
      const bus = await createAgentBus({ mode, workers: 1, deliberation: false, log: () => {}, policy: policyDir(decision) });
      try {
        bus.registerAgent({ id: 'alice', tenantId: 'acme', handler: () => {} });
        bus.registerAgent({ id: 'bob', tenantId: 'acme', handler: (m) => { received.push(m.id); } });
        const result = await bus.send({ from: 'alice', to: 'bob', type: 'command', tenantId: 'acme' });
        assert.equal(result.status, 'rejected', `${decision}: ${JSON.stringify(result)}`);
        assert.equal(result.code, 'E_POLICY_ERROR');
      } finally {
        await bus.close();
      }
      assert.deepEqual(received, []);
    }
  });
}
