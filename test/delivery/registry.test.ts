import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { AgentRegistry } from '../../src/delivery/registry.ts';
import { registrySnapshot } from '../../src/model/registry-snapshot.ts';

const handler = () => {};

test('every change bumps the version; the snapshot is rebuilt only after a change', () => {
  const registry = new AgentRegistry();
  const empty = registry.snapshot();
  assert.equal(registry.version, 0);
  registry.register({ id: 'a', tenantId: 'acme', tier: 2, capabilities: ['pay'], handler }, 256);
  registry.register({ id: 'b', tenantId: 'evil', handler }, 256);
  assert.equal(registry.version, 2);
  const snapshot = registry.snapshot();
  assert.notEqual(snapshot, empty);
  assert.equal(registry.snapshot(), snapshot, 'same object until the next change');
  assert.deepEqual(registry.entries(), [['a', 'acme', 'agent', ['pay'], 2], ['b', 'evil', 'agent', [], 0]]);
  assert.deepEqual(snapshot.agents.get('a'), { tenantId: 'acme', type: 'agent', capabilities: ['pay'], tier: 2 });
  assert.equal(snapshot.tenantOf.get('b'), 'evil');
  assert.equal(registry.unregister('b'), true);
  assert.equal(registry.unregister('b'), false, 'a second unregister changes nothing');
  assert.equal(registry.version, 3);
  assert.equal(registry.snapshot().tenantOf.has('b'), false);
  assert.deepEqual(registry.inTenant('acme').map((a) => a.id), ['a']);
});

test('bad registrations throw E_CONFIG and change nothing', () => {
  const registry = new AgentRegistry();
  registry.register({ id: 'a', tenantId: 'acme', handler }, 256);
  const bad: unknown[] = [
    { id: '', tenantId: 'acme', handler },
    { id: 'x'.repeat(300), tenantId: 'acme', handler },
    { id: 'b', tenantId: 'A!', handler },
    { id: 'b', tenantId: 'acme' },
    { id: 'a', tenantId: 'acme', handler },
    { id: 'b', tenantId: 'acme', handler, tier: 3 },
    { id: 'b', tenantId: 'acme', handler, capabilities: [1] },
    null,
  ];
  for (const registration of bad) assert.throws(() => registry.register(registration as never, 256), { code: 'E_CONFIG' });
  assert.equal(registry.version, 1);
  assert.equal(registry.size, 1);
});

test('a public key is checked at registration, crosses as its raw 32 bytes, and the snapshot rebuilds the same key', () => {
  const registry = new AgentRegistry();
  const { publicKey } = generateKeyPairSync('ed25519');
  const pem = publicKey.export({ format: 'pem', type: 'spki' }) as string;
  const agent = registry.register({ id: 'k', tenantId: 'acme', publicKey: pem, handler }, 256);
  assert.ok(agent.publicKey?.equals(publicKey));
  const [entry] = registry.entries();
  assert.equal(entry!.length, 6);
  assert.deepEqual(Buffer.from(entry![5]!), publicKey.export({ format: 'der', type: 'spki' }).subarray(-32));
  // Through a structured clone, as the side channel posts it to a validation thread.
  const rebuilt = registrySnapshot(1, structuredClone(registry.entries()));
  assert.ok(rebuilt.agents.get('k')!.publicKey!.equals(publicKey));
  assert.throws(() => registry.register({ id: 'x', tenantId: 'acme', publicKey: 'not a key', handler }, 256), { code: 'E_CONFIG' });
  assert.equal(registry.get('x'), undefined);
  registry.unregister('k');
  assert.deepEqual(registry.entries(), []);
});

test('remote agents (another process serves them) are judged with the local ones; a local id shadows a remote one', () => {
  const registry = new AgentRegistry();
  registry.register({ id: 'a', tenantId: 'acme', tier: 1, handler }, 256);
  const before = registry.version;
  registry.setRemote([
    ['a', 'evil', 'agent', [], 0],
    ['r', 'acme', 'worker', ['sum'], 2],
    ['s', 'other', 'agent', []],
  ]);
  assert.equal(registry.version, before + 1, 'a new remote set is a change the workers must see');
  assert.deepEqual(registry.entries(), [['a', 'acme', 'agent', [], 1], ['r', 'acme', 'worker', ['sum'], 2], ['s', 'other', 'agent', [], 0]]);
  const snapshot = registry.snapshot();
  assert.equal(snapshot.tenantOf.get('a'), 'acme', 'local wins');
  assert.deepEqual(snapshot.agents.get('r'), { tenantId: 'acme', type: 'worker', capabilities: ['sum'], tier: 2 });
  assert.equal(registry.lookup('a')?.tenantId, 'acme');
  assert.equal(registry.lookup('r')?.tenantId, 'acme');
  assert.equal(registry.get('r'), undefined, 'a remote agent has no handler here');
  assert.deepEqual(registry.idsInTenant('acme'), ['a', 'r']);
  registry.setRemote([]);
  assert.equal(registry.lookup('r'), undefined);
  assert.equal(registry.snapshot().tenantOf.has('r'), false);
  assert.equal(registry.size, 1, 'size counts local agents');
});
