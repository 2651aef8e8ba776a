import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PayloadCodec, roomToEncode } from '../../src/intake/payload-codec.ts';
import { inspectPayload } from '../../src/intake/inspect-payload.ts';
import { DEFAULT_LIMITS, type JsonValue } from '../../src/model/message.ts';

const json = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)) as JsonValue);
// Long strings are where msgpackr reserves most (3 bytes per character) before it writes.
const longText = fc.oneof(fc.constant('ascii '), fc.constant('ünïcödé '), fc.constant('汉字'), fc.constant('🙂')).chain((unit) => fc.integer({ min: 1, max: 3_000 }).map((n) => unit.repeat(n)));
const payload = fc.oneof(json, longText, fc.record({ text: longText, n: fc.integer(), rest: json }));

test('encodeInto writes exactly the bytes encode() does, in place at any offset, given roomToEncode (property)', () => {
  const codec = new PayloadCodec();
  const reference = new PayloadCodec();
  fc.assert(
    fc.property(payload, fc.integer({ min: 0, max: 4_099 }), (value, at) => {
      const expected = reference.encode(value);
      assert.equal(inspectPayload(value, DEFAULT_LIMITS).encodedBytes, expected.length);
      const target = Buffer.alloc(at + roomToEncode(expected.length), 0xee);
      const length = codec.encodeInto(value, target, at);
      assert.equal(length, expected.length);
      assert.ok(target.subarray(at, at + length).equals(expected));
      assert.ok(target.subarray(0, at).every((b) => b === 0xee), 'nothing written before the offset');
    }),
    { numRuns: 300 },
  );
  assert.equal(codec.outgrown, 0, 'with roomToEncode, msgpackr never allocated a buffer of its own');
});

test('with less room than roomToEncode the payload is still right (copied in), or refused (-1) when it cannot fit', () => {
  const codec = new PayloadCodec();
  const value = { text: '汉字'.repeat(1_000) };
  const expected = codec.encode(value);
  const fits = Buffer.alloc(expected.length + 8);
  assert.equal(codec.encodeInto(value, fits, 8), expected.length);
  assert.ok(fits.subarray(8).equals(expected));
  assert.ok(codec.outgrown > 0, 'the short buffer made msgpackr move to its own');
  assert.equal(codec.encodeInto(value, Buffer.alloc(expected.length - 1), 0), -1);
});
