// A policy module that calls host built-ins by their plain OPA names, as a module from
// `opa build -t wasm` does (compiled here with strict built-in errors, which is how this compiler
// emits such calls), evaluated by the bus itself: every SDK instance, inline or on a worker thread,
// must be handed the host built-ins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy } from '../../../src/rego/build.ts';
import { createAgentBus } from '../../../src/index.ts';

const POLICY = `package agentbus

import rego.v1

decision := {"allow": count(deny) == 0, "deny": deny}

deny contains "metadata has no ticket" if {
  [ok, _] := json.match_schema(input.message.metadata, {"type": "object", "required": ["ticket"]})
  not ok
}

deny contains "ticket is not of the form ABC-123" if {
  not regex.match(\`^[A-Z]+-[0-9]+$\`, input.message.metadata.ticket)
}
`;

function opaStyleModule(): Uint8Array {
  const { wasm } = compilePolicy([{ file: 'agentbus.rego', text: POLICY }], {
    entrypoints: ['agentbus/decision'],
    hostBuiltins: { 'json.match_schema': 2, 'regex.match': 2 },
    strictBuiltinErrors: true,
  });
  return wasm;
}

test('the stand-in module calls the built-ins by their OPA names, not the compiler\'s wrapped ones', () => {
  const bytes = Buffer.from(opaStyleModule());
  assert.ok(bytes.includes('"regex.match"') && bytes.includes('"json.match_schema"'));
  assert.ok(!bytes.includes('agentbus:'), 'a wrapped name would mean the bus never sees an OPA-built call');
});

for (const mode of ['inline', 'workers'] as const) {
  test(`${mode}: an OPA-built module calling json.match_schema and regex.match decides through createAgentBus({ policy })`, async () => {
    const log: string[] = [];
    const bus = await createAgentBus({ mode, workers: 1, policy: opaStyleModule(), deliberation: false, log: (line) => log.push(line) });
    try {
      bus.registerAgent({ id: 'planner', tenantId: 'tenant-a', type: 'orchestrator', handler: () => {} });
      bus.registerAgent({ id: 'coder', tenantId: 'tenant-a', type: 'worker', handler: () => {} });
      const base = { from: 'planner', to: 'coder', tenantId: 'tenant-a', type: 'task_request', payload: { n: 1 } } as const;
      const ok = await bus.send({ ...base, metadata: { ticket: 'OPS-42' } });
      assert.equal(ok.status, 'delivered', JSON.stringify(ok));
      const badTicket = await bus.send({ ...base, metadata: { ticket: 'ops 42' } });
      assert.deepEqual([badTicket.code, badTicket.reasons], ['E_POLICY_DENIED', ['ticket is not of the form ABC-123']]);
      const noTicket = await bus.send({ ...base, metadata: {} });
      // Without a ticket the regex.match call is undefined, so its `not` holds too (as in OPA).
      assert.deepEqual([noTicket.code, noTicket.reasons], ['E_POLICY_DENIED', ['metadata has no ticket', 'ticket is not of the form ABC-123']]);
    } finally {
      await bus.close();
    }
  });
}
