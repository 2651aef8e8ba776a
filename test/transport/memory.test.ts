import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMessage } from '../../src/message.ts';
import { AgentRegistry } from '../../src/registry.ts';
import { MemoryTransport } from '../../src/transport/memory.ts';

function transportWith(handlers: Record<string, (m: unknown) => unknown>): MemoryTransport {
  const registry = new AgentRegistry();
  for (const [id, handler] of Object.entries(handlers)) registry.register({ id, tenantId: 'tenant-a', handler: handler as never }, 256);
  return new MemoryTransport(registry);
}

const to = (recipient: string) => createMessage({ from: 'x', to: recipient, type: 'event', tenantId: 'tenant-a' });

test('a synchronous handler is answered synchronously; an asynchronous one through a promise', async () => {
  const seen: string[] = [];
  const transport = transportWith({
    sync: (m) => void seen.push(`sync:${(m as { id: string }).id}`),
    async: async () => { seen.push('async'); },
    thenable: () => ({ then: (ok: () => void) => ok() }),
  });
  const sync = transport.deliver(to('sync'));
  assert.deepEqual(sync, { ok: true });
  const later = transport.deliver(to('async'));
  assert.ok(later instanceof Promise);
  assert.deepEqual(await later, { ok: true });
  const thenable = transport.deliver(to('thenable'));
  assert.ok(thenable instanceof Promise);
  assert.deepEqual(await thenable, { ok: true });
  assert.equal(seen.length, 2);
});

test('unknown recipients, throwing and rejecting handlers give outcomes, never exceptions', async () => {
  const transport = transportWith({
    thrower: () => { throw new TypeError('sync bug'); },
    rejecter: async () => { throw new Error('async bug'); },
  });
  assert.deepEqual(transport.deliver(to('nobody')), { ok: false, unknownAgent: true, reason: "recipient 'nobody' is not a registered agent" });
  assert.deepEqual(transport.deliver(to('thrower')), { ok: false, unknownAgent: false, reason: "handler of 'thrower' threw TypeError: sync bug" });
  assert.deepEqual(await transport.deliver(to('rejecter')), { ok: false, unknownAgent: false, reason: "handler of 'rejecter' rejected with Error: async bug" });
});
