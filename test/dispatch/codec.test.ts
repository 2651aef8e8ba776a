import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  codeToWire, EnvelopeDecoder, EnvelopeEncoder, PayloadCodec, readVerdicts, VerdictWriter, wireToCode, type Verdict,
} from '../../src/dispatch/codec.ts';
import { ErrorCode } from '../../src/errors.ts';
import { acceptMessage, DEFAULT_CONSTITUTIONAL_HASH, DEFAULT_LIMITS, type JsonValue } from '../../src/message.ts';

const json = fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.parse(JSON.stringify(v)) as JsonValue);
/** Payloads intake accepts (it refuses `__proto__` keys, which fast-check likes to generate). */
const acceptablePayload = json.filter((v) => !JSON.stringify(v).includes('"__proto__"'));

test('payloads intake accepts round-trip through msgpack unchanged (property)', () => {
  const codec = new PayloadCodec();
  fc.assert(
    fc.property(acceptablePayload, (value) => {
      assert.deepEqual(codec.decode(codec.encode(value)), value);
    }),
    { numRuns: 300 },
  );
});

test('a batch of envelopes and their payloads round-trip, payloads sliced back in order', () => {
  const encoder = new EnvelopeEncoder();
  const decoder = new EnvelopeDecoder();
  const payloads = new PayloadCodec();
  fc.assert(
    fc.property(fc.array(fc.record({ payload: acceptablePayload, meta: fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__'), fc.string({ maxLength: 20 }), { maxKeys: 3 }), expires: fc.option(fc.integer({ min: 1, max: 2 ** 45 })) }), { minLength: 1, maxLength: 40 }), (items) => {
      const messages = items.map((item, i) => {
        const intake = acceptMessage(
          { from: `agent-${i}`, to: 'agent-x', type: 'event', tenantId: 'tenant-a', payload: item.payload, metadata: { ...item.meta }, ...(item.expires !== null ? { expiresAt: item.expires } : {}) },
          DEFAULT_CONSTITUTIONAL_HASH, DEFAULT_LIMITS, 1_700_000_000_000,
        );
        assert.ok(intake.ok);
        // Every other message goes without its payload bytes, as when no stage reads payloads.
        return { accepted: intake.value, payload: i % 2 === 0 ? payloads.encode(intake.value.message.payload) : null, sentAt: 1234.5 + i };
      });
      const slots = messages.map((_, i) => i * 3);
      const generations = messages.map((_, i) => i + 100);
      const record = Buffer.concat(encoder.encodeBatch(slots, generations, messages));
      const envelopes = decoder.decodeBatch(record);
      assert.equal(envelopes.length, messages.length);
      envelopes.forEach((e, i) => {
        const m = messages[i]!.accepted.message;
        assert.equal(e.slot, slots[i]);
        assert.equal(e.generation, generations[i]);
        assert.equal(e.id, m.id);
        assert.equal(e.from, m.from);
        assert.equal(e.expiresAt, m.expiresAt);
        assert.deepEqual(e.metadata, m.metadata);
        assert.equal(e.depth, messages[i]!.accepted.depth);
        assert.equal(e.sentAt, 1234.5 + i);
        assert.equal(e.payloadBytes, messages[i]!.accepted.payloadBytes);
        if (i % 2 === 0) assert.deepEqual(payloads.decode(e.payload!), m.payload);
        else assert.equal(e.payload, null);
      });
    }),
    { numRuns: 100 },
  );
});

test('a message record whose lengths do not add up is refused, not misread', () => {
  const encoder = new EnvelopeEncoder();
  const payloads = new PayloadCodec();
  const intake = acceptMessage({ from: 'a', to: 'b', type: 'event', tenantId: 'tenant-a', payload: { x: 1 } }, 'h', DEFAULT_LIMITS, 0);
  assert.ok(intake.ok);
  const record = Buffer.concat(encoder.encodeBatch([0], [0], [{ accepted: intake.value, payload: payloads.encode({ x: 1 }), sentAt: 0 }]));
  assert.throws(() => new EnvelopeDecoder().decodeBatch(Buffer.concat([record, Buffer.from([0])])), /account for/);
});

test('verdicts round-trip through the binary layout, reasons included', () => {
  const writer = new VerdictWriter();
  const expected: Verdict[] = [
    { slot: 1, generation: 7, code: null, reasons: [], impact: 0.25, queuedUs: 12.5, pipelineUs: 1.5 },
    { slot: 65535, generation: 2 ** 32 - 1, code: ErrorCode.POLICY_DENIED, reasons: ['no permission', 'wrong tenant ✓'], impact: 0, queuedUs: 3, pipelineUs: 4 },
    { slot: 3, generation: 0, code: ErrorCode.TENANT, reasons: ['x'], impact: 1, queuedUs: 0, pipelineUs: 0 },
  ];
  for (const v of expected) writer.add(v.slot, v.generation, v.code, v.reasons, v.impact, v.queuedUs, v.pipelineUs);
  const record = writer.finish();
  const shared = new Uint8Array(new SharedArrayBuffer(record.length + 16));
  shared.set(record, 16);
  const got: Verdict[] = [];
  readVerdicts(shared, 16, record.length, (v) => got.push(v));
  assert.deepEqual(got, expected);
});

test('every error code has a distinct wire value and maps back', () => {
  const seen = new Set<number>();
  for (const code of Object.values(ErrorCode)) {
    const wire = codeToWire(code);
    assert.ok(wire > 0);
    assert.ok(!seen.has(wire), `${code} shares a wire value`);
    seen.add(wire);
    assert.equal(wireToCode(wire), code);
  }
  assert.equal(codeToWire(null), 0);
  assert.equal(wireToCode(0), null);
});
