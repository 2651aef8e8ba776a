import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMessage, type MessageInput } from '../../src/model/message.ts';
import { AgentRegistry } from '../../src/delivery/registry.ts';
import { deliver } from '../../src/delivery/route.ts';

function registryWith(handlers: Record<string, (m: unknown) => unknown>, tenantId = 'tenant-a'): AgentRegistry {
  const registry = new AgentRegistry();
  for (const [id, handler] of Object.entries(handlers)) registry.register({ id, tenantId, handler: handler as never }, 256);
  return registry;
}

const to = (recipient: string, extra: Partial<MessageInput> = {}) => createMessage({ from: 'x', to: recipient, type: 'event', tenantId: 'tenant-a', ...extra });
const NOW = 1_000_000;

test('a synchronous handler is answered synchronously; an asynchronous one through a promise', async () => {
  const seen: string[] = [];
  const registry = registryWith({
    sync: (m) => void seen.push(`sync:${(m as { id: string }).id}`),
    async: async () => { seen.push('async'); },
    thenable: () => ({ then: (ok: () => void) => ok() }),
  });
  assert.deepEqual(deliver(registry, to('sync'), NOW), { ok: true });
  const later = deliver(registry, to('async'), NOW);
  assert.ok(later instanceof Promise);
  assert.deepEqual(await later, { ok: true });
  const thenable = deliver(registry, to('thenable'), NOW);
  assert.ok(thenable instanceof Promise);
  assert.deepEqual(await thenable, { ok: true });
  assert.equal(seen.length, 2);
});

test('unknown recipients, throwing and rejecting handlers give outcomes, never exceptions', async () => {
  const registry = registryWith({
    thrower: () => { throw new TypeError('sync bug'); },
    rejecter: async () => { throw new Error('async bug'); },
  });
  assert.deepEqual(deliver(registry, to('nobody'), NOW), { ok: false, status: 'rejected', code: 'E_UNKNOWN_AGENT', reason: "recipient 'nobody' is not a registered agent" });
  assert.deepEqual(deliver(registry, to('thrower'), NOW), { ok: false, status: 'failed', code: 'E_HANDLER', reason: "handler of 'thrower' threw TypeError: sync bug" });
  assert.deepEqual(await deliver(registry, to('rejecter'), NOW), { ok: false, status: 'failed', code: 'E_HANDLER', reason: "handler of 'rejecter' rejected with Error: async bug" });
});

test('a recipient id now registered in another tenant never receives the message', () => {
  let called = 0;
  const registry = registryWith({ bob: () => { called++; } }, 'evil');
  const outcome = deliver(registry, to('bob'), NOW);
  assert.equal(outcome instanceof Promise, false);
  assert.equal((outcome as { code?: string }).code, 'E_TENANT');
  assert.equal(called, 0);
});

test('a message that expired before delivery is not delivered', () => {
  let called = 0;
  const registry = registryWith({ bob: () => { called++; } });
  const outcome = deliver(registry, to('bob', { expiresAt: NOW }), NOW);
  assert.deepEqual({ ...(outcome as object), reason: undefined }, { ok: false, status: 'expired', code: 'E_EXPIRED', reason: undefined });
  assert.deepEqual(deliver(registry, to('bob', { expiresAt: NOW + 1 }), NOW), { ok: true });
  assert.equal(called, 1);
});

test('fire-and-forget: accepted once the handler was called; a synchronous throw is still a failure, a later rejection is not waited for', async () => {
  let finish!: () => void;
  const calls: string[] = [];
  const registry = registryWith({
    slow: () => {
      calls.push('slow');
      return new Promise<void>((resolve) => (finish = resolve));
    },
    rejecter: async () => {
      calls.push('rejecter');
      throw new Error('later');
    },
    thrower: () => {
      throw new Error('now');
    },
  });
  assert.deepEqual(deliver(registry, to('slow'), NOW, true), { ok: true, accepted: true }, 'settled before the handler finished');
  finish();
  assert.deepEqual(deliver(registry, to('rejecter'), NOW, true), { ok: true, accepted: true });
  assert.deepEqual(deliver(registry, to('thrower'), NOW, true), { ok: false, status: 'failed', code: 'E_HANDLER', reason: "handler of 'thrower' threw Error: now" });
  assert.deepEqual(calls, ['slow', 'rejecter']);
  assert.deepEqual(deliver(registry, to('nobody'), NOW, true).valueOf(), { ok: false, status: 'rejected', code: 'E_UNKNOWN_AGENT', reason: "recipient 'nobody' is not a registered agent" });
});
