import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Packr } from 'msgpackr';
import { resolveOptions } from '../../src/config.ts';
import { PayloadCodec } from '../../src/intake/payload-codec.ts';
import { intakeMessage } from '../../src/intake/encode.ts';

const options = resolveOptions({});
const message = { from: 'a', to: 'b', type: 'event', tenantId: 'tenant-a', payload: { text: 'héllo', n: [1, 2.5, -40] } };

test('intake without a codec measures the payload and encodes nothing', () => {
  const intake = intakeMessage(message, options, null);
  assert.ok(intake.ok);
  assert.equal(intake.payload, null);
  assert.equal(intake.accepted.payloadBytes, new PayloadCodec().encode(message.payload).length);
});

test('intake with a codec hands over the encoded bytes, whose length is the measured size', () => {
  const codec = new PayloadCodec();
  const intake = intakeMessage(message, options, codec);
  assert.ok(intake.ok);
  assert.ok(intake.payload !== null);
  assert.equal(intake.payload.length, intake.accepted.payloadBytes);
  assert.deepEqual(codec.decode(intake.payload), message.payload);
});

test('a codec that disagrees with the measured size makes intake refuse the message (E_INTERNAL), not misjudge it', () => {
  // A real codec configured differently: float32 where intake counts float64.
  const floats32 = new (class extends PayloadCodec {
    private readonly packr32 = new Packr({ useRecords: false, useFloat32: 1 });
    override encode(payload: never): Buffer {
      return this.packr32.pack(payload);
    }
  })();
  const intake = intakeMessage(message, options, floats32);
  assert.equal(intake.ok, false);
  assert.ok(!intake.ok);
  assert.equal(intake.rejection.code, 'E_INTERNAL');
  assert.match(intake.rejection.reasons[0]!, /intake measured/);
});

test('the size limit applies to the measured size whether or not the payload is encoded', () => {
  const tight = resolveOptions({ limits: { maxPayloadBytes: 16 } });
  const fits = { ...message, payload: 'x'.repeat(14) }; // 15 bytes
  const over = { ...message, payload: 'x'.repeat(16) }; // 17 bytes
  for (const codec of [null, new PayloadCodec()]) {
    assert.equal(intakeMessage(fits, tight, codec).ok, true);
    const refused = intakeMessage(over, tight, codec);
    assert.ok(!refused.ok);
    assert.equal(refused.rejection.code, 'E_PAYLOAD_TOO_LARGE');
  }
});
