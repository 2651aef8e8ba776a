// The evaluator sends a built input without the fields the policy never reads (its module records
// which it can read). Its answers must be those of the whole document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { createPolicyEvaluator, interpretResultSet } from '../../src/pipeline/policy.ts';
import { buildPolicyInput } from '../../src/pipeline/policy-input.ts';
import { inputPlan, policyInputJson } from '../../src/pipeline/policy-input-json.ts';
import { readInputPaths } from '../../src/rego/input-paths.ts';
import { compilePolicy } from '../../src/rego/build.ts';
import { loadPolicySource } from '../../src/rego/bundle.ts';
import { loadPolicySync } from '../../src/rego/sdk.ts';
import { DEFAULT_CONSTITUTIONAL_HASH, type AgentMessage } from '../../src/model/message.ts';

const defaultSource = loadPolicySource(join(import.meta.dirname, '../../policies'));
// Reads whole sub-objects (count, iteration, equality), single metadata keys and nested misses.
const shapes = `package t
import rego.v1
decision := {"allow": count(deny) == 0, "deny": deny}
deny contains sprintf("%d capabilities", [count(input.sender.capabilities)]) if count(input.sender.capabilities) > 1
deny contains k if { some k, v in input.message.metadata; v == "x" }
deny contains "flag" if input.message.metadata.flag == "on"
deny contains "recipient has two fields" if count(input.recipient) == 2
deny contains "no such field" if input.sender.tenantId.deeper == 1
deny contains "metadata equals" if input.message.metadata == {"a": "x"}
deny contains "no sender tenant" if not input.sender.tenantId
`;
const shapesModule = new WebAssembly.Module(compilePolicy([{ file: 't.rego', text: shapes }], { entrypoints: ['t/decision'] }).wasm as Uint8Array<ArrayBuffer>);

const policies = [
  { name: 'default', module: defaultSource.module, data: defaultSource.data, entrypoint: 'agentbus/decision' },
  { name: 'shapes', module: shapesModule, data: undefined, entrypoint: 't/decision' },
];

test('the policies are sent smaller documents', () => {
  assert.deepEqual(inputPlan(readInputPaths(shapesModule)), {
    expectedHash: false, payloadKiB: false, message: { constitutionalHash: false, from: false, priority: false, tenantId: false, to: false, type: false, metadata: 'all' },
    recipient: { capabilities: true, tenantId: true, type: true }, sender: { capabilities: true, tenantId: true, type: false },
  });
  const input = buildPolicyInput({
    id: 'm', from: 'a', to: 'b', type: 'command', tenantId: 'acme', priority: 1, constitutionalHash: DEFAULT_CONSTITUTIONAL_HASH,
    payload: null, metadata: { trace: 't', blocked: 'false' }, createdAt: 0,
  }, 10, { expectedHash: DEFAULT_CONSTITUTIONAL_HASH, now: 0, sender: { tenantId: 'acme', type: 'worker', capabilities: ['chat'] }, recipient: { tenantId: 'acme', type: 'auditor', capabilities: [] } });
  const sent = JSON.parse(policyInputJson(input, inputPlan(readInputPaths(defaultSource.module)))!) as unknown;
  assert.deepEqual(sent, {
    expectedHash: DEFAULT_CONSTITUTIONAL_HASH, payloadKiB: 1,
    message: { constitutionalHash: DEFAULT_CONSTITUTIONAL_HASH, from: 'a', metadata: { blocked: 'false' }, priority: 1, tenantId: 'acme', to: 'b', type: 'command' },
    recipient: { tenantId: 'acme', type: 'auditor' }, sender: { tenantId: 'acme' },
  });
});

test('metadata without any of the keys the policy reads is left out whole', () => {
  const input = buildPolicyInput({
    id: 'm', from: 'a', to: 'b', type: 'command', tenantId: 'acme', priority: 1, constitutionalHash: 'h', payload: null, metadata: { trace: 't' }, createdAt: 0,
  }, 10, { expectedHash: 'h', now: 0 });
  const sent = JSON.parse(policyInputJson(input, inputPlan(readInputPaths(defaultSource.module)))!) as { message: Record<string, unknown> };
  assert.equal('metadata' in sent.message, false);
  const everything = JSON.parse(policyInputJson(input)!) as { message: Record<string, unknown> };
  assert.deepEqual(everything.message.metadata, { trace: 't' });
});

test('property: with only the fields it reads, a policy answers as it does on the whole document', () => {
  const word = fc.constantFrom('a', 'b', 'x', 'on', 'acme', 'evil', 'worker', 'auditor', 'command', 'audit_log', 'heartbeat', '**');
  const agent = fc.option(fc.record({ tenantId: word, type: word, capabilities: fc.array(word, { maxLength: 3 }) }), { nil: undefined });
  for (const p of policies) {
    const evaluator = createPolicyEvaluator({ module: p.module, data: p.data, entrypoint: p.entrypoint, revision: 'r', cache: false });
    const whole = loadPolicySync(p.module, undefined, { 'time.now_ns': () => 0 });
    if (p.data !== undefined) whole.setData(p.data as object);
    fc.assert(fc.property(
      fc.record({
        from: word, to: word, type: word, tenantId: word, priority: fc.integer({ min: 0, max: 3 }),
        hash: fc.constantFrom(DEFAULT_CONSTITUTIONAL_HASH, 'other'), metadata: fc.dictionary(fc.constantFrom('flag', 'blocked', 'a', 'b'), word, { maxKeys: 3 }),
        bytes: fc.integer({ min: 0, max: 3_000_000 }), sender: agent, recipient: agent,
      }),
      (r) => {
        const message = { id: 'm', from: r.from, to: r.to, type: r.type as AgentMessage['type'], tenantId: r.tenantId, priority: r.priority as AgentMessage['priority'],
          constitutionalHash: r.hash, payload: null, metadata: r.metadata, createdAt: 0 };
        const input = buildPolicyInput(message, r.bytes, { expectedHash: DEFAULT_CONSTITUTIONAL_HASH, now: 0, sender: r.sender, recipient: r.recipient });
        // The reference: the SDK given the whole input object (its own JSON.stringify path).
        const expected = interpretResultSet(whole.evaluate(JSON.parse(JSON.stringify(input)) as object, p.entrypoint), p.entrypoint);
        assert.deepEqual(evaluator.evaluate(input), expected, `${p.name}: ${JSON.stringify(input)}`);
      },
    ), { numRuns: 400 });
  }
});
