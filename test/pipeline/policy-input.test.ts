import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPolicyInput, policyInputKey } from '../../src/pipeline/policy-input.ts';
import { DEFAULT_CONSTITUTIONAL_HASH, type AgentMessage } from '../../src/model/message.ts';

const message: AgentMessage = {
  id: 'm-1', from: 'a', to: 'b', type: 'command', tenantId: 'acme', priority: 1, constitutionalHash: DEFAULT_CONSTITUTIONAL_HASH,
  payload: { big: 'x'.repeat(10) }, metadata: { trace: '1' }, createdAt: 1, conversationId: 'c-9',
};
const agent = { tenantId: 'acme', type: 'worker', capabilities: ['chat'] };
const context = { expectedHash: DEFAULT_CONSTITUTIONAL_HASH, now: 123, sender: agent, recipient: agent };

test('the input holds the policy-relevant projection: no id, payload or clock by default', () => {
  const input = buildPolicyInput(message, 1025, context);
  assert.deepEqual({ ...input }, {
    message: { from: 'a', to: 'b', type: 'command', tenantId: 'acme', priority: 1, constitutionalHash: DEFAULT_CONSTITUTIONAL_HASH, metadata: { trace: '1' } },
    payloadKiB: 2,
    expectedHash: DEFAULT_CONSTITUTIONAL_HASH,
    sender: agent,
    recipient: agent,
  });
  const withPayload = buildPolicyInput(message, 10, context, { includePayload: true, includeIds: true });
  assert.deepEqual(withPayload.payload, message.payload);
  assert.equal(withPayload.message.id, 'm-1');
  assert.equal(withPayload.message.conversationId, 'c-9');
});

test('cache keys: equal inputs share a key, any difference changes it, ids and payload are covered when included', () => {
  const k = (m: Partial<AgentMessage>, bytes = 10, opts = {}) => policyInputKey(buildPolicyInput({ ...message, ...m }, bytes, context, opts));
  assert.equal(k({ id: 'other' }), k({}));
  assert.notEqual(k({ to: 'c' }), k({}));
  assert.notEqual(k({ metadata: { trace: '2' } }), k({}));
  assert.notEqual(k({}, 5000), k({}));
  // Length-prefixed fields: moving characters between fields cannot collide.
  assert.notEqual(k({ from: 'ab', to: '' }), k({ from: 'a', to: 'b' }));
  assert.notEqual(k({ id: 'x' }, 10, { includeIds: true }), k({ id: 'y' }, 10, { includeIds: true }));
  assert.notEqual(k({ payload: 1 }, 10, { includePayload: true }), k({ payload: 2 }, 10, { includePayload: true }));
  // Inputs from buildPolicyInput and equal hand-made documents share the key format.
  const built = buildPolicyInput(message, 10, context);
  assert.equal(policyInputKey(JSON.parse(JSON.stringify(built))), policyInputKey(built));
});
