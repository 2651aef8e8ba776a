import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAgentBus } from '../../../src/index.ts';
import { Admission } from '../../../src/dispatch/queue/admission.ts';

test('Admission bounds bytes beside slots; a message alone always gets through', () => {
  const admission = new Admission<{ bytes: number }>(100, 1_000, (e) => e.bytes);
  const a = admission.tryAdmit({ bytes: 600 });
  assert.notEqual(a, -1);
  assert.equal(admission.tryAdmit({ bytes: 500 }), -1, '600 + 500 > 1000');
  assert.equal(admission.hasSlot, true, 'a slot is free: only the bytes are short');
  assert.equal(admission.bytesInFlight, 600);
  assert.notEqual(admission.tryAdmit({ bytes: 400 }), -1, '600 + 400 fits exactly');
  admission.release(a);
  assert.equal(admission.bytesInFlight, 400);
  // A message larger than the whole bound still goes through when nothing else is in flight.
  const lone = new Admission<{ bytes: number }>(10, 100, (e) => e.bytes);
  const big = lone.tryAdmit({ bytes: 5_000 });
  assert.notEqual(big, -1);
  assert.equal(lone.tryAdmit({ bytes: 1 }), -1);
  lone.release(big);
  assert.equal(lone.bytesInFlight, 0);
});

test('maxInFlightBytes: large messages behind a slow handler get E_OVERLOADED; the bytes in flight never pass the bound', async () => {
  const bound = 64 * 1024;
  const bus = await createAgentBus({ workers: 1, policy: false, log: () => {}, maxInFlightBytes: bound, admissionTimeoutMs: 50 });
  try {
    let peak = 0;
    bus.registerAgent({ id: 'alice', tenantId: 'acme', handler: () => {} });
    bus.registerAgent({
      id: 'slow',
      tenantId: 'acme',
      handler: async () => {
        peak = Math.max(peak, bus.health().inFlight.bytes);
        await new Promise((r) => setTimeout(r, 20));
      },
    });
    const pad = 'x'.repeat(10_000);
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => bus.send({ from: 'alice', to: 'slow', type: 'command', tenantId: 'acme', payload: { i, pad } })));
    const delivered = results.filter((r) => r.status === 'delivered').length;
    const overloaded = results.filter((r) => r.code === 'E_OVERLOADED').length;
    assert.ok(overloaded > 0, 'expected E_OVERLOADED past the byte bound');
    assert.equal(delivered + overloaded, results.length);
    assert.ok(peak > 0 && peak <= bound, `bytes in flight reached ${peak}`);
    assert.ok(bus.metrics().inFlight === 0 && bus.health().inFlight.bytes === 0);
  } finally {
    await bus.close();
  }
});
