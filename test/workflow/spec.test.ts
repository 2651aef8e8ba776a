import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineWorkflow, type WorkflowStep } from '../../src/workflow/spec.ts';
import { runWorkflow } from '../../src/workflow/run.ts';

const msg = { from: 'a', to: 'b', type: 'command', tenantId: 'acme' } as const;
const step = (id: string, dependsOn: string[] = []): WorkflowStep => ({ id, message: msg, dependsOn });

test('a cycle is rejected when the workflow is defined, naming the path that closes it', () => {
  assert.throws(() => defineWorkflow({ steps: [step('a'), step('b', ['a', 'd']), step('c', ['b']), step('d', ['c'])] }), (error: { code: string; message: string }) => {
    assert.equal(error.code, 'E_CONFIG');
    assert.match(error.message, /cycle: (b → c → d → b|c → d → b → c|d → b → c → d)/);
    return true;
  });
  assert.throws(() => defineWorkflow({ steps: [step('self', ['self'])] }), /cycle: self → self/);
  assert.throws(() => defineWorkflow({ steps: [step('x', ['y']), step('y', ['x']), step('z')] }), /cycle: (x → y → x|y → x → y)/);
});

test('runWorkflow refuses a cyclic spec before sending anything', async () => {
  let sends = 0;
  const bus = { send: async () => { sends++; return { id: '', status: 'delivered', reasons: [] }; } };
  await assert.rejects(runWorkflow(bus, { steps: [step('a', ['b']), step('b', ['a'])] }), { code: 'E_CONFIG' });
  assert.equal(sends, 0);
});

test('other defects are E_CONFIG: duplicate ids, unknown dependencies, bad numbers, no steps', () => {
  const bad: unknown[] = [
    { steps: [] },
    { steps: [step('a'), step('a')] },
    { steps: [step('a', ['ghost'])] },
    { steps: [{ ...step('a'), timeoutMs: 0 }] },
    { steps: [{ ...step('a'), retries: -1 }] },
    { steps: [{ ...step('a'), retries: 1.5 }] },
    { steps: [{ id: 'a' }] },
    { steps: [step('a')], mode: 'parallel' },
    { steps: [step('a')], defaults: { retryDelayMs: -5 } },
  ];
  for (const spec of bad) assert.throws(() => defineWorkflow(spec as never), { code: 'E_CONFIG' }, JSON.stringify(spec));
});

test('a valid definition: dependents and an order that respects every dependency', () => {
  const definition = defineWorkflow({ id: 'diamond', steps: [step('d', ['b', 'c']), step('b', ['a']), step('c', ['a']), step('a')] });
  const position = new Map(definition.topologicalOrder.map((id, i) => [id, i]));
  for (const [id, s] of definition.steps) for (const dependency of s.dependsOn ?? []) assert.ok(position.get(dependency)! < position.get(id)!);
  assert.deepEqual(definition.dependents.get('a'), ['b', 'c']);
  assert.equal(definition.mode, 'dag');
});
