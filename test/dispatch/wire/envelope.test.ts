import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PayloadCodec } from '../../../src/intake/payload-codec.ts';
import { EnvelopeDecoder, EnvelopeEncoder, type OutgoingMessage } from '../../../src/dispatch/wire/envelope.ts';
import { acceptMessage } from '../../../src/intake/accept.ts';
import { DEFAULT_LIMITS, MessageType, type JsonValue } from '../../../src/model/message.ts';

const json = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)) as JsonValue);
const acceptablePayload = json.filter((v) => !JSON.stringify(v).includes('"__proto__"'));
// Any well-formed text: ASCII takes the encoder's byte loop, the rest goes through Buffer's UTF-8.
const text = (min: number, max: number) => fc.string({ unit: 'binary', minLength: min, maxLength: max }).filter((s) => s.isWellFormed());
const messageInput = fc.record({
  id: text(1, 40),
  from: text(1, 20),
  to: text(1, 20),
  type: fc.constantFrom(...Object.values(MessageType)),
  tenantId: text(1, 30),
  priority: fc.constantFrom(0, 1, 2, 3),
  constitutionalHash: text(0, 40),
  payload: acceptablePayload,
  metadata: fc.dictionary(text(0, 8).filter((k) => k !== '__proto__'), text(0, 20), { maxKeys: 4 }),
  createdAt: fc.integer({ min: 0, max: 2 ** 45 }),
  expiresAt: fc.option(fc.double({ min: 1, max: 2 ** 45, noNaN: true }), { nil: undefined }),
  conversationId: fc.option(text(1, 30), { nil: undefined }),
  signature: fc.option(fc.uint8Array({ minLength: 64, maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('base64')), { nil: undefined }),
});

function accept(input: object) {
  const intake = acceptMessage(input, 'h', DEFAULT_LIMITS, 1_700_000_000_000);
  assert.ok(intake.ok, JSON.stringify(input));
  return intake.value;
}

test('a batch of envelopes round-trips field for field, payloads sliced back in order (property)', () => {
  const encoder = new EnvelopeEncoder();
  const decoder = new EnvelopeDecoder();
  const payloads = new PayloadCodec();
  fc.assert(
    fc.property(fc.array(messageInput, { minLength: 1, maxLength: 30 }), (inputs) => {
      const messages: OutgoingMessage[] = inputs.map((input, i) => {
        const accepted = accept(input);
        // Every other message goes without its payload bytes, as when no stage reads payloads.
        return { accepted, sendsPayload: i % 2 === 0, sentAt: 1234.5 + i };
      });
      const slots = messages.map((_, i) => i * 3);
      const generations = messages.map((_, i) => i + 100);
      const envelopes = decoder.decodeBatch(Buffer.from(encoder.encodeBatch(slots, generations, messages)));
      assert.deepEqual(encoder.refused, []);
      assert.equal(envelopes.length, messages.length);
      envelopes.forEach((e, i) => {
        const { message: m, depth, payloadBytes } = messages[i]!.accepted;
        const { payload: _payload, ...header } = m;
        const { payload, slot, generation, sentAt, depth: d, payloadBytes: size, ...decodedHeader } = e;
        // Metadata comes back as a plain object whatever its prototype was (null-prototype objects are accepted).
        // The signature crosses as its 64 bytes.
        const signature = header.signature === undefined ? undefined : Buffer.from(header.signature, 'base64');
        assert.deepEqual(decodedHeader, { ...header, metadata: { ...header.metadata }, signature });
        assert.deepEqual([slot, generation, sentAt, d, size], [slots[i], generations[i], 1234.5 + i, depth, payloadBytes]);
        if (i % 2 === 0) {
          // The same bytes the codec writes on its own, sliced back exactly.
          assert.deepEqual(Buffer.from(payload!), payloads.encode(m.payload));
          assert.deepEqual(payloads.decode(payload!), m.payload);
        }
        else assert.equal(payload, null);
      });
    }),
    { numRuns: 150 },
  );
});

test('the encoder reuses its buffer: a record is valid until the next batch, and a large batch grows it', () => {
  const encoder = new EnvelopeEncoder();
  const big = accept({ from: 'a', to: 'b', type: 'event', tenantId: 'tenant-a', payload: 'x'.repeat(60_000) });
  const payload = new PayloadCodec().encode(big.message.payload);
  const batch = Array.from({ length: 4 }, () => ({ accepted: big, sendsPayload: true, sentAt: 0 }));
  const record = Buffer.from(encoder.encodeBatch([0, 1, 2, 3], [0, 0, 0, 0], batch));
  assert.ok(record.length > 4 * 60_000);
  const decoded = new EnvelopeDecoder().decodeBatch(record);
  assert.deepEqual(decoded.map((e) => e.slot), [0, 1, 2, 3]);
  assert.ok(decoded.every((e) => e.payload !== null && Buffer.from(e.payload).equals(payload)));
});

test('a payload changed after intake measured it is left out of the record and named in `refused`, never misjudged', () => {
  const encoder = new EnvelopeEncoder();
  const decoder = new EnvelopeDecoder();
  const grows = accept({ from: 'a', to: 'b', type: 'event', tenantId: 'tenant-a', payload: { amount: 5 } });
  const cyclic = accept({ from: 'a', to: 'b', type: 'event', tenantId: 'tenant-a', payload: { list: [1] } });
  const same = accept({ from: 'a', to: 'b', type: 'event', tenantId: 'tenant-a', payload: { amount: 7 } });
  (grows.message.payload as { amount: number }).amount = 5_000_000; // 1 byte → 5
  (cyclic.message.payload as { list: unknown[] }).list.push(cyclic.message.payload); // cannot be encoded at all
  const batch = [same, grows, cyclic, same].map((accepted) => ({ accepted, sendsPayload: true, sentAt: 0 }));
  const record = Buffer.from(encoder.encodeBatch([10, 11, 12, 13], [0, 0, 0, 0], batch));
  assert.deepEqual(encoder.refused, [1, 2]);
  const decoded = decoder.decodeBatch(record);
  assert.deepEqual(decoded.map((e) => e.slot), [10, 13]);
  assert.ok(decoded.every((e) => e.payload !== null && e.payload.length === e.payloadBytes));
  // The next batch starts clean.
  encoder.encodeBatch([0], [0], [batch[0]!]);
  assert.deepEqual(encoder.refused, []);
});

test('a record cut short or with bytes left over is refused, never misread', () => {
  const encoder = new EnvelopeEncoder();
  const accepted = accept({ from: 'agent-ä', to: 'b', type: 'event', tenantId: 'tenant-a', payload: { x: 1 }, metadata: { k: 'v' }, conversationId: 'c' });
  const record = Buffer.from(encoder.encodeBatch([7], [1], [{ accepted, sendsPayload: true, sentAt: 0 }]));
  const decoder = new EnvelopeDecoder();
  assert.equal(decoder.decodeBatch(record)[0]!.from, 'agent-ä');
  for (let cut = 0; cut < record.length; cut++) assert.throws(() => decoder.decodeBatch(record.subarray(0, cut)), Error, `cut at ${cut}`);
  assert.throws(() => decoder.decodeBatch(Buffer.concat([record, Buffer.from([0])])), /account for/);
  const otherVersion = Buffer.from(record);
  otherVersion.writeUInt32LE(99, 0);
  assert.throws(() => decoder.decodeBatch(otherVersion), /envelope version 99/);
});
