import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ByteRing } from '../../../src/dispatch/wire/ring.ts';
import { tsWorker } from '../../helpers/ts-worker.ts';

function bytesOf(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

function readAll(ring: ByteRing): { kind: number; bytes: number[] }[] {
  const out: { kind: number; bytes: number[] }[] = [];
  for (let r = ring.read(); r !== null; r = ring.read()) out.push({ kind: r.kind, bytes: [...ring.bytes.subarray(r.start, r.start + r.length)] });
  ring.release();
  return out;
}

test('an empty ring reads nothing and has no data', () => {
  const ring = ByteRing.create(256);
  assert.equal(ring.read(), null);
  assert.equal(ring.hasData(), false);
  assert.equal(ring.usedBytes(), 0);
});

test('records come out in order with their kind, parts concatenated', () => {
  const ring = ByteRing.create(256);
  assert.ok(ring.tryWrite(7, [bytesOf(1, 2), bytesOf(3)]));
  assert.ok(ring.tryWrite(9, []));
  assert.ok(ring.tryWrite(1, [bytesOf(4, 5, 6, 7, 8, 9, 10, 11, 12)]));
  assert.deepEqual(readAll(ring), [
    { kind: 7, bytes: [1, 2, 3] },
    { kind: 9, bytes: [] },
    { kind: 1, bytes: [4, 5, 6, 7, 8, 9, 10, 11, 12] },
  ]);
  assert.equal(ring.usedBytes(), 0);
});

test('a full ring refuses a record without writing any of it, and accepts it once space is released', () => {
  const ring = ByteRing.create(64);
  // Each 20-byte record takes 8 (header) + 20 → 32 bytes with padding: two fill a 64-byte ring.
  const record = new Uint8Array(20).fill(5);
  assert.ok(ring.tryWrite(1, [record]));
  assert.ok(ring.tryWrite(2, [record]));
  assert.equal(ring.tryWrite(3, [record]), false);
  assert.equal(ring.usedBytes(), 64);
  const first = ring.read();
  assert.equal(first?.kind, 1);
  assert.equal(ring.tryWrite(3, [record]), false, 'read but not released: still full');
  ring.release();
  assert.ok(ring.tryWrite(3, [record]));
  assert.deepEqual(readAll(ring).map((r) => r.kind), [2, 3]);
});

test('a record that does not fit before the end wraps to the start', () => {
  const ring = ByteRing.create(64);
  assert.ok(ring.tryWrite(1, [new Uint8Array(24)])); // 32 bytes
  readAll(ring);
  assert.ok(ring.tryWrite(2, [new Uint8Array(8)])); // 16 bytes at 32..48
  // 16 bytes left before the end; a 24-byte record needs 32: wrap marker, then offset 0.
  assert.ok(ring.tryWrite(3, [Uint8Array.from({ length: 24 }, (_, i) => i)]));
  const records = readAll(ring);
  assert.deepEqual(records.map((r) => r.kind), [2, 3]);
  assert.deepEqual(records[1]!.bytes, Array.from({ length: 24 }, (_, i) => i));
});

test('a record larger than half the ring is a programming error, not a silent drop', () => {
  const ring = ByteRing.create(64);
  assert.throws(() => ring.tryWrite(1, [new Uint8Array(40)]), RangeError);
});

test('random record sizes survive many wrap-arounds in order (property)', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 5 }), (sizes, readEvery) => {
      const ring = ByteRing.create(256);
      const expected: number[][] = [];
      const got: number[][] = [];
      let seq = 0;
      for (const size of sizes) {
        const record = Uint8Array.from({ length: size }, (_, i) => (seq + i) & 0xff);
        while (!ring.tryWrite(seq & 0xffff, [record])) got.push(...readAll(ring).map((r) => r.bytes));
        expected.push([...record]);
        seq++;
        if (seq % readEvery === 0) got.push(...readAll(ring).map((r) => r.bytes));
      }
      got.push(...readAll(ring).map((r) => r.bytes));
      assert.deepEqual(got, expected);
    }),
    { numRuns: 200 },
  );
});

test('positions wrap at 2^30, so they stay small integers, and records cross the wrap intact', () => {
  const created = ByteRing.create(256);
  // Start both counters just before the wrap, as after ~1 GiB of traffic.
  const nearWrap = 2 ** 30 - 40;
  created.control[0] = nearWrap; // HEAD
  created.control[16] = nearWrap; // TAIL (an Int32 index: its own 64-byte line)
  const ring = ByteRing.attach(created.buffer);
  const written: number[][] = [];
  const got: number[][] = [];
  for (let i = 0; i < 50; i++) {
    const record = Uint8Array.from({ length: 10 + (i % 30) }, (_, k) => (i * 7 + k) & 0xff);
    assert.ok(ring.tryWrite(1, [record]));
    written.push([...record]);
    got.push(...readAll(ring).map((r) => r.bytes));
    for (const position of [ring.control[0]!, ring.control[16]!]) assert.ok(position >= 0 && position < 2 ** 30, `position ${position} left the small-integer range`);
  }
  assert.deepEqual(got, written);
  assert.ok(ring.control[0]! < nearWrap, 'the counters did wrap');
  assert.equal(ring.usedBytes(), 0);
});

test('a ring larger than the position range is refused', () => {
  assert.throws(() => ByteRing.create(2 ** 30), RangeError);
});

test('a producer and a consumer on two threads exchange a million records without loss or reordering', async () => {
  const ring = ByteRing.create(1 << 16);
  const count = 1_000_000;
  const consumer = tsWorker(new URL('../../fixtures/ring-consumer.ts', import.meta.url), {
    workerData: { buffer: ring.buffer, count },
  });
  let consumerFailed: Error | null = null;
  const result = new Promise<{ received: number; outOfOrder: number; corrupt: number }>((resolve, reject) => {
    consumer.once('message', resolve);
    consumer.once('error', (error) => {
      consumerFailed = error;
      reject(error);
    });
  });
  result.catch(() => {});
  const record = new Uint8Array(12);
  const view = new DataView(record.buffer);
  for (let seq = 0; seq < count; seq++) {
    // Variable length (4..12 bytes) so wrap-around lands at many different offsets.
    const length = 4 + (seq % 9);
    view.setUint32(0, seq, true);
    for (let i = 4; i < length; i++) record[i] = (seq + i) & 0xff;
    const part = record.subarray(0, length);
    while (!ring.tryWrite(1, [part])) {
      if (consumerFailed) throw consumerFailed;
      ring.wakeConsumer();
      await new Promise((r) => setImmediate(r));
    }
    if ((seq & 1023) === 0) ring.wakeConsumer();
  }
  ring.wakeConsumer();
  const { received, outOfOrder, corrupt } = await result;
  await consumer.terminate();
  assert.equal(received, count);
  assert.equal(outOfOrder, 0);
  assert.equal(corrupt, 0);
});
