import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PayloadCodec } from '../../src/intake/payload-codec.ts';
import { DEFAULT_LIMITS } from '../../src/model/message.ts';
import { utf8Bytes } from '../../src/intake/encoded-size.ts';
import { inspectPayload } from '../../src/intake/inspect-payload.ts';

// Limits wide enough that only the size computation is under test.
const WIDE = { ...DEFAULT_LIMITS, maxPayloadBytes: 16 * 1024 * 1024, maxDepth: 64 };
const codec = new PayloadCodec();

function assertSameSize(value: unknown): void {
  const inspected = inspectPayload(value, WIDE);
  assert.equal(inspected.rejection, null);
  assert.equal(inspected.encodedBytes, codec.encode(value as never).length, `size of ${JSON.stringify(value).slice(0, 80)}`);
}

test('intake measures exactly the bytes the codec writes: every number encoding boundary', () => {
  const numbers = [
    0, -0, 1, 31, 32, 127, 128, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, -1, -32, -33, -128, -129, -32_768, -32_769,
    -(2 ** 31), -(2 ** 31) - 1, 0.5, -0.5, 1e300, -1e-300, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, Number.MAX_VALUE,
  ];
  for (const n of numbers) assertSameSize(n);
  assertSameSize(numbers);
});

test('intake measures exactly the bytes the codec writes: string, array and object header boundaries', () => {
  for (const length of [0, 31, 32, 33, 63, 64, 255, 256, 65_535, 65_536, 70_000]) {
    assertSameSize('a'.repeat(length));
    assertSameSize('é'.repeat(Math.ceil(length / 2))); // 2 bytes per unit: crosses each header size at half the length
    assertSameSize('€'.repeat(Math.ceil(length / 3)));
    assertSameSize('😀'.repeat(Math.ceil(length / 4)));
  }
  for (const length of [0, 15, 16, 65_535, 65_536]) assertSameSize(new Array(length).fill(1));
  for (const keys of [0, 15, 16, 300]) assertSameSize(Object.fromEntries(Array.from({ length: keys }, (_, i) => [`k${i}`, i])));
  assertSameSize(Object.assign(Object.create(null), { a: 1, b: [true, false, null] }));
});

test('intake measures exactly the bytes the codec writes: arbitrary JSON (property)', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 6 }), fc.string({ unit: 'binary', maxLength: 80 }).filter((s) => s.isWellFormed()), (value, text) => {
      const payload = { value, text, [text]: value };
      // Intake refuses some generated values (e.g. a "__proto__" key); the codec only ever sees the others.
      if (inspectPayload(payload, WIDE).rejection !== null) return;
      assertSameSize(payload);
    }),
    { numRuns: 300 },
  );
});

test('utf8Bytes agrees with Buffer.byteLength on both of its paths', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 70 }).filter((s) => s.isWellFormed()), (text) => {
      assert.equal(utf8Bytes(text), Buffer.byteLength(text, 'utf8'));
    }),
    { numRuns: 500 },
  );
});
