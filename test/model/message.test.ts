import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptMessage } from '../../src/intake/accept.ts';
import { createMessage, DEFAULT_CONSTITUTIONAL_HASH, DEFAULT_LIMITS, generateMessageId, Priority } from '../../src/model/message.ts';

const NOW = 1_700_000_000_000;
const good = { from: 'alice', to: 'bob', type: 'command', tenantId: 'tenant-a', payload: { task: 'x' } };

function accept(input: unknown) {
  return acceptMessage(input, DEFAULT_CONSTITUTIONAL_HASH, DEFAULT_LIMITS, NOW);
}

test('a minimal message gets every default', () => {
  const result = accept(good);
  assert.ok(result.ok);
  const m = result.value.message;
  assert.equal(typeof m.id, 'string');
  assert.ok(m.id.length > 0);
  assert.equal(m.priority, Priority.NORMAL);
  assert.equal(m.constitutionalHash, DEFAULT_CONSTITUTIONAL_HASH);
  assert.equal(m.createdAt, NOW);
  assert.deepEqual(m.metadata, {});
  assert.equal(result.value.depth, 1);
});

test('generated ids are unique', () => {
  const ids = new Set(Array.from({ length: 10_000 }, generateMessageId));
  assert.equal(ids.size, 10_000);
});

test('dates are accepted as Date or epoch ms', () => {
  const result = accept({ ...good, createdAt: new Date(5), expiresAt: 10 });
  assert.ok(result.ok);
  assert.equal(result.value.message.createdAt, 5);
  assert.equal(result.value.message.expiresAt, 10);
});

const bad: [string, unknown, string][] = [
  ['null', null, 'E_INVALID_MESSAGE'],
  ['a string', 'hello', 'E_INVALID_MESSAGE'],
  ['a number', 42, 'E_INVALID_MESSAGE'],
  ['an array', [good], 'E_INVALID_MESSAGE'],
  ['missing from', { ...good, from: undefined }, 'E_INVALID_MESSAGE'],
  ['empty to', { ...good, to: '' }, 'E_INVALID_MESSAGE'],
  ['numeric from', { ...good, from: 12 }, 'E_INVALID_MESSAGE'],
  ['from longer than 256 bytes', { ...good, from: 'é'.repeat(129) }, 'E_INVALID_MESSAGE'],
  ['id with a lone surrogate', { ...good, id: 'x\ud800' }, 'E_INVALID_MESSAGE'],
  ['id as an object', { ...good, id: { toString: () => 'x' } }, 'E_INVALID_MESSAGE'],
  ['unknown type', { ...good, type: 'shout' }, 'E_INVALID_MESSAGE'],
  ['type in upper case', { ...good, type: 'COMMAND' }, 'E_INVALID_MESSAGE'],
  ['missing tenant', { ...good, tenantId: undefined }, 'E_TENANT'],
  ['tenant as a number', { ...good, tenantId: 7 }, 'E_TENANT'],
  ['priority 4', { ...good, priority: 4 }, 'E_INVALID_MESSAGE'],
  ['priority as a string', { ...good, priority: 'HIGH' }, 'E_INVALID_MESSAGE'],
  ['priority 1.5', { ...good, priority: 1.5 }, 'E_INVALID_MESSAGE'],
  ['hash as a number', { ...good, constitutionalHash: 1 }, 'E_HASH_MISMATCH'],
  ['metadata with a number value', { ...good, metadata: { a: 1 } }, 'E_INVALID_MESSAGE'],
  ['metadata as an array', { ...good, metadata: ['a'] }, 'E_INVALID_MESSAGE'],
  ['metadata with __proto__', { ...good, metadata: JSON.parse('{"__proto__":"x"}') }, 'E_INVALID_MESSAGE'],
  ['metadata too large', { ...good, metadata: { big: 'x'.repeat(9000) } }, 'E_INVALID_MESSAGE'],
  ['too many metadata entries', { ...good, metadata: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) }, 'E_INVALID_MESSAGE'],
  ['createdAt as a string', { ...good, createdAt: '2026-01-01' }, 'E_INVALID_MESSAGE'],
  ['expiresAt NaN', { ...good, expiresAt: Number.NaN }, 'E_INVALID_MESSAGE'],
  ['invalid Date', { ...good, createdAt: new Date('nope') }, 'E_INVALID_MESSAGE'],
  ['conversationId empty', { ...good, conversationId: '' }, 'E_INVALID_MESSAGE'],
  ['a __proto__ key on the message', JSON.parse('{"__proto__":{"admin":true},"from":"alice","to":"bob","type":"command","tenantId":"tenant-a"}'), 'E_INVALID_MESSAGE'],
  ['payload with a cycle', (() => { const p: Record<string, unknown> = {}; p.p = p; return { ...good, payload: p }; })(), 'E_PAYLOAD_TOO_DEEP'],
  ['payload with a lone surrogate', { ...good, payload: { s: '\udfff' } }, 'E_INVALID_MESSAGE'],
  ['huge payload string', { ...good, payload: 'x'.repeat(1 << 20) }, 'E_PAYLOAD_TOO_LARGE'],
];

for (const [name, input, code] of bad) {
  test(`intake rejects ${name} with ${code}`, () => {
    const result = accept(input);
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.equal(result.rejection.code, code);
      assert.ok(result.rejection.reasons[0]!.length > 0);
    }
  });
}

test('createMessage fills defaults without checking', () => {
  const m = createMessage({ from: 'a', to: 'b', type: 'event', tenantId: 'tenant-a' });
  assert.equal(m.constitutionalHash, DEFAULT_CONSTITUTIONAL_HASH);
  assert.equal(m.priority, Priority.NORMAL);
  assert.equal(m.payload, null);
});
