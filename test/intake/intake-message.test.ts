import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveOptions } from '../../src/config.ts';
import { PayloadCodec } from '../../src/intake/payload-codec.ts';
import { intakeMessage } from '../../src/intake/intake-message.ts';

const options = resolveOptions({});
const message = { from: 'a', to: 'b', type: 'event', tenantId: 'tenant-a', payload: { text: 'héllo', n: [1, 2.5, -40] } };

test('intake measures the payload exactly and says whether it crosses: every payload, a signed one only, or none', () => {
  const signed = { ...message, signature: Buffer.alloc(64, 7).toString('base64') };
  for (const [crossing, plain, withSignature] of [['all', true, true], ['signed', false, true], ['none', false, false]] as const) {
    const a = intakeMessage(message, options, crossing);
    const b = intakeMessage(signed, options, crossing);
    assert.ok(a.ok && b.ok);
    assert.deepEqual([a.sendsPayload, b.sendsPayload], [plain, withSignature], crossing);
    assert.equal(a.accepted.payloadBytes, new PayloadCodec().encode(message.payload).length);
  }
});

test('intake encodes nothing: the payloads of 5,000 messages that cross take no array buffer memory', () => {
  // Payloads are encoded into the batch at dispatch: a buffer per payload held from send() to dispatch
  // made V8 run a full collection for every 64 MiB of them (PayloadCodec.encodeInto).
  const payload = { text: 'x'.repeat(2_000), amounts: [1, 2, 3] };
  const kept: unknown[] = [];
  const before = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 5_000; i++) kept.push(intakeMessage({ ...message, payload }, options, 'all'));
  const grown = process.memoryUsage().arrayBuffers - before;
  assert.equal(kept.length, 5_000);
  assert.ok(grown < 1_000_000, `intake allocated ${grown} bytes of array buffers for 5,000 payloads of ~2 KB`);
});

test('the size limit applies to the measured size whether or not the payload crosses', () => {
  const tight = resolveOptions({ limits: { maxPayloadBytes: 16 } });
  const fits = { ...message, payload: 'x'.repeat(14) }; // 15 bytes
  const over = { ...message, payload: 'x'.repeat(16) }; // 17 bytes
  for (const crossing of ['none', 'all'] as const) {
    assert.equal(intakeMessage(fits, tight, crossing).ok, true);
    const refused = intakeMessage(over, tight, crossing);
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
  for (const crossing of ['none', 'all'] as const) {
    for (const [name, input] of hostileInputs()) {
      let intake: ReturnType<typeof intakeMessage> | undefined;
      assert.doesNotThrow(() => { intake = intakeMessage(input, options, crossing); }, name);
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
  const intake = intakeMessage(input, options, 'all');
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
