import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodePolicyInput, policyInputJson } from '../../src/pipeline/policy-input-json.ts';
import { buildPolicyInput, type PolicyAgent } from '../../src/pipeline/policy-input.ts';
import { DEFAULT_CONSTITUTIONAL_HASH, type AgentMessage } from '../../src/model/message.ts';

const base: AgentMessage = {
  id: 'm', from: 'agent-1', to: 'agent-2', type: 'command', tenantId: 'acme', priority: 1, constitutionalHash: DEFAULT_CONSTITUTIONAL_HASH,
  payload: { n: 1 }, metadata: { trace: 'x' }, createdAt: 0,
};
const worker: PolicyAgent = { tenantId: 'acme', type: 'worker', capabilities: ['chat', 'search'] };
const decode = (b: ArrayBuffer): string => new TextDecoder().decode(b);
/** JSON with every object's keys sorted: the text the encoder writes for plain inputs. */
const sortedJson = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) =>
  x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, (x as Record<string, unknown>)[k]])) : x);
/** The JSON document an input denotes (what the policy sees). */
const documentOf = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

test('a built input encodes to its JSON document, keys in byte order', () => {
  const input = buildPolicyInput({ ...base, metadata: { z: '1', a: '2', m: '3' } }, 2000, { expectedHash: DEFAULT_CONSTITUTIONAL_HASH, now: 0, sender: worker, recipient: worker });
  assert.equal(policyInputJson(input), sortedJson(input));
  assert.deepEqual(new Uint8Array(encodePolicyInput(input)), new TextEncoder().encode(sortedJson(input)));
  const noAgents = buildPolicyInput(base, 0, { expectedHash: 'h', now: 0 });
  assert.equal(decode(encodePolicyInput(noAgents)), sortedJson(noAgents));
});

test('inputs not built by buildPolicyInput, or with fields that need escaping, take JSON.stringify', () => {
  // (Its text, byte for byte: the generic path the SDK itself would take.)
  const handMade = { message: { ...base }, payloadKiB: 1, expectedHash: 'h' };
  assert.equal(policyInputJson(handMade), null);
  assert.equal(decode(encodePolicyInput(handMade)), JSON.stringify(handMade));
  const withPayload = buildPolicyInput(base, 10, { expectedHash: 'h', now: 0 }, { includePayload: true });
  assert.equal(policyInputJson(withPayload), null);
  assert.equal(decode(encodePolicyInput(withPayload)), JSON.stringify(withPayload));
  for (const from of ['quo"te', 'back\\slash', 'tab\t', 'é', '\ud800', '😀']) {
    const input = buildPolicyInput({ ...base, from }, 10, { expectedHash: 'h', now: 0 });
    assert.equal(policyInputJson(input), null, from);
    assert.deepEqual(new Uint8Array(encodePolicyInput(input)), new TextEncoder().encode(JSON.stringify(input)), from);
  }
  const nan = buildPolicyInput({ ...base, priority: Number.NaN as AgentMessage['priority'] }, 10, { expectedHash: 'h', now: 0 });
  assert.equal(decode(encodePolicyInput(nan)), JSON.stringify(nan));
});

test('the buffer is reused between calls of the same length, and always holds exactly the document', () => {
  const a = buildPolicyInput({ ...base, from: 'agent-a' }, 10, { expectedHash: 'h', now: 0 });
  const b = buildPolicyInput({ ...base, from: 'agent-b' }, 10, { expectedHash: 'h', now: 0 });
  const first = encodePolicyInput(a);
  assert.equal(decode(first), sortedJson(a));
  const second = encodePolicyInput(b);
  assert.equal(second.byteLength, sortedJson(b).length);
  assert.equal(decode(second), sortedJson(b));
});

test('property: the encoding of any built input is UTF-8 JSON of the same document', () => {
  const text = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 6 }));
  const agent = fc.option(fc.record({ tenantId: text, type: text, capabilities: fc.array(text, { maxLength: 3 }) }), { nil: undefined });
  fc.assert(fc.property(
    fc.record({
      from: text, to: text, type: text, tenantId: text, hash: text, expected: text,
      priority: fc.oneof(fc.integer(), fc.double()),
      metadata: fc.dictionary(text, text, { maxKeys: 3 }),
      bytes: fc.oneof(fc.nat(), fc.double({ min: 0 })),
      sender: agent, recipient: agent,
    }),
    (r) => {
      const metadata = Object.fromEntries(Object.entries(r.metadata).filter(([k]) => k !== '__proto__'));
      // Any strings and numbers, not only those intake accepts: the encoder must not depend on it.
      const message = { ...base, from: r.from, to: r.to, type: r.type as AgentMessage['type'], tenantId: r.tenantId, priority: r.priority as AgentMessage['priority'], constitutionalHash: r.hash, metadata };
      const input = buildPolicyInput(message, r.bytes, { expectedHash: r.expected, now: 0, sender: r.sender, recipient: r.recipient });
      const bytes = encodePolicyInput(input);
      // Well-formed UTF-8 (fatal decoding), denoting exactly the document JSON.stringify does.
      assert.deepEqual(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)), documentOf(input));
      const text = policyInputJson(input);
      if (text !== null) assert.deepEqual(new Uint8Array(bytes), new TextEncoder().encode(sortedJson(input)));
    },
  ), { numRuns: 2000 });
});
