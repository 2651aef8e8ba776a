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

/** Inputs whose very reading throws, or changes between reads: each must get a typed rejection, never a throw. */
function hostileInputs(): [string, unknown][] {
  const base = { from: 'sender', to: 'receiver', type: 'event', tenantId: 'tenant-a' };
  const boom = () => { throw new Error('boom'); };
  const trapAll = <T extends object>(target: T) => new Proxy(target, { get: boom, has: boom, ownKeys: boom, getOwnPropertyDescriptor: boom, getPrototypeOf: boom });
  class ThrowingDate extends Date { override getTime(): number { throw new Error('no time'); } }
  const unreadableError = new Proxy(new Error('x'), { get: boom, getPrototypeOf: boom });
  return [
    ['a payload getter that throws', { ...base, get payload() { throw new Error('getter'); } }],
    ['a from getter that throws', { ...base, get from() { throw new Error('getter'); } }],
    ['a Proxy message whose every trap throws', trapAll({ ...base })],
    ['a Proxy message whose get trap throws', new Proxy({ ...base }, { get: boom })],
    ['a nested payload getter that throws', { ...base, payload: { deep: [{ get x() { throw new Error('deep'); } }] } }],
    ['a payload Proxy whose getPrototypeOf throws', { ...base, payload: new Proxy({}, { getPrototypeOf: boom }) }],
    ['a payload Proxy whose ownKeys throws', { ...base, payload: new Proxy({ a: 1 }, { ownKeys: boom }) }],
    ['a metadata Proxy whose get throws', { ...base, metadata: new Proxy({ k: 'v' }, { get: boom }) }],
    ['a createdAt Date whose getTime throws', { ...base, createdAt: new ThrowingDate() }],
    ['a getter that throws something unreadable', { ...base, get payload() { throw unreadableError; } }],
    ['a getter that throws a Symbol', { ...base, get to() { throw Symbol('s'); } }],
  ];
}

test('intake never throws on hostile input: each is E_INVALID_MESSAGE', () => {
  for (const codec of [null, new PayloadCodec()]) {
    for (const [name, input] of hostileInputs()) {
      let intake: ReturnType<typeof intakeMessage> | undefined;
      assert.doesNotThrow(() => { intake = intakeMessage(input, options, codec); }, name);
      assert.equal(intake!.ok, false, name);
      assert.equal(!intake!.ok && intake!.rejection.code, 'E_INVALID_MESSAGE', name);
      assert.ok(!intake!.ok && intake!.rejection.reasons[0]!.length > 0, name);
    }
  }
});

test('intake reads each field once: a getter cannot pass the checks with one value and be kept with another', () => {
  let fromReads = 0;
  let metaReads = 0;
  const input = {
    to: 'b', type: 'event', tenantId: 'tenant-a',
    get from() { return fromReads++ === 0 ? 'a' : (42 as unknown as string); },
    metadata: { get trace() { return metaReads++ === 0 ? 'ok' : (7 as unknown as string); } },
  };
  const intake = intakeMessage(input, options, null);
  assert.ok(intake.ok);
  const { message } = intake.accepted;
  assert.equal(message.from, 'a');
  assert.equal(message.metadata.trace, 'ok');
  assert.equal(message.metadata.trace, 'ok', 'metadata is a copy, not the caller\'s object');
  assert.equal(fromReads, 1);
});

for (const mode of ['workers', 'inline'] as const) {
  test(`${mode}: send() resolves E_INVALID_MESSAGE for hostile input instead of throwing, and the bus keeps working`, async () => {
    const { createAgentBus } = await import('../../src/index.ts');
    const bus = await createAgentBus({ mode, workers: 1, deliberation: false, log: () => {} });
    try {
      const seen: string[] = [];
      bus.registerAgent({ id: 'sender', tenantId: 'tenant-a', handler: () => {} });
      bus.registerAgent({ id: 'receiver', tenantId: 'tenant-a', handler: (m) => { seen.push(m.from); } });
      for (const [name, input] of hostileInputs()) {
        let sent: Promise<unknown> | undefined;
        assert.doesNotThrow(() => { sent = bus.send(input as never); }, name);
        const result = (await sent) as { status: string; code?: string };
        assert.deepEqual([result.status, result.code], ['rejected', 'E_INVALID_MESSAGE'], name);
      }
      const after = await bus.send({ from: 'sender', to: 'receiver', type: 'event', tenantId: 'tenant-a' });
      assert.equal(after.status, 'delivered');
      assert.deepEqual(seen, ['sender']);
    } finally {
      await bus.close();
    }
  });
}
