import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkExpiry, checkLimits } from '../../src/pipeline/limits.ts';
import { inspectPayload } from '../../src/intake/inspect-payload.ts';
import { DEFAULT_LIMITS } from '../../src/model/message.ts';

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

const circular: Record<string, unknown> = { a: 1 };
circular.self = circular;

const payloads: [string, unknown, string | null, number?][] = [
  ['null', null, null, 0],
  ['a string', 'hello', null, 0],
  ['a flat object', { a: 1, b: 'x', c: true, d: null }, null, 1],
  ['exactly max depth', nested(32), null, 32],
  ['one level too deep', nested(33), 'E_PAYLOAD_TOO_DEEP'],
  ['10,000 levels deep', nested(10_000), 'E_PAYLOAD_TOO_DEEP'],
  ['circular', circular, 'E_PAYLOAD_TOO_DEEP'],
  ['a string longer than the byte limit', 'x'.repeat(70_000), 'E_PAYLOAD_TOO_LARGE'],
  ['many small strings over the limit', Array.from({ length: 20_000 }, () => 'abcd'), 'E_PAYLOAD_TOO_LARGE'],
  ['NaN', { x: Number.NaN }, 'E_INVALID_MESSAGE'],
  ['Infinity', [Number.POSITIVE_INFINITY], 'E_INVALID_MESSAGE'],
  ['undefined inside', { x: undefined }, 'E_INVALID_MESSAGE'],
  ['a function', { f: () => 1 }, 'E_INVALID_MESSAGE'],
  ['a symbol', [Symbol('s')], 'E_INVALID_MESSAGE'],
  ['a bigint', { n: 10n }, 'E_INVALID_MESSAGE'],
  ['a Date', { when: new Date() }, 'E_INVALID_MESSAGE'],
  ['a Map', new Map(), 'E_INVALID_MESSAGE'],
  ['a typed array', { b: new Uint8Array(3) }, 'E_INVALID_MESSAGE'],
  ['a lone high surrogate', { s: 'a\ud800b' }, 'E_INVALID_MESSAGE'],
  ['a lone low surrogate in a key', { ['k\udc00']: 1 }, 'E_INVALID_MESSAGE'],
  ['a __proto__ key from JSON.parse', JSON.parse('{"a":{"__proto__":{"polluted":true}}}'), 'E_INVALID_MESSAGE'],
  ['a class instance', { x: new (class Point { x = 1; })() }, 'E_INVALID_MESSAGE'],
  ['a valid surrogate pair', { s: '😀' }, null, 1],
];

for (const [name, payload, code, depth] of payloads) {
  test(`payload inspection: ${name} → ${code ?? 'accepted'}`, () => {
    const result = inspectPayload(payload, DEFAULT_LIMITS);
    assert.equal(result.rejection?.code ?? null, code);
    if (depth !== undefined) assert.equal(result.depth, depth);
  });
}

test('limits stage: encoded size over the limit, depth over the limit, expired', () => {
  const now = 1_000_000;
  assert.equal(checkLimits(65_536, 3, undefined, now, DEFAULT_LIMITS), null);
  assert.equal(checkLimits(65_537, 3, undefined, now, DEFAULT_LIMITS)?.code, 'E_PAYLOAD_TOO_LARGE');
  assert.equal(checkLimits(10, 33, undefined, now, DEFAULT_LIMITS)?.code, 'E_PAYLOAD_TOO_DEEP');
  assert.equal(checkLimits(10, 1, now + 1, now, DEFAULT_LIMITS), null);
  assert.equal(checkLimits(10, 1, now, now, DEFAULT_LIMITS)?.code, 'E_EXPIRED');
  assert.equal(checkExpiry(now - 5, now)?.code, 'E_EXPIRED');
});

test('configured limits apply', () => {
  // {a:{b:1}} encodes to 11 bytes: two map16 headers (3 + 3), two one-letter keys (2 + 2), one fixint (1).
  const tight = { ...DEFAULT_LIMITS, maxDepth: 2, maxPayloadBytes: 11 };
  assert.deepEqual(inspectPayload({ a: { b: 1 } }, tight), { depth: 2, encodedBytes: 11, rejection: null });
  assert.equal(inspectPayload({ a: { b: 1 } }, { ...tight, maxPayloadBytes: 10 }).rejection?.code, 'E_PAYLOAD_TOO_LARGE');
  assert.equal(inspectPayload({ a: { b: [1] } }, tight).rejection?.code, 'E_PAYLOAD_TOO_DEEP');
  assert.equal(inspectPayload('x'.repeat(10), tight).rejection, null);
  assert.equal(inspectPayload('x'.repeat(11), tight).rejection?.code, 'E_PAYLOAD_TOO_LARGE');
});
