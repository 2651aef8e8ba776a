import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAgentBus } from '../../../src/index.ts';
import { Admission, ADMISSION_TIMED_OUT } from '../../../src/dispatch/queue/admission.ts';

test('Admission bounds bytes beside slots: waits while they do not fit, admits in order as they free up', async () => {
  const admission = new Admission<{ bytes: number }>(100, 1_000, (e) => e.bytes);
  const a = admission.tryAdmit({ bytes: 600 });
  assert.notEqual(a, -1);
  assert.equal(admission.tryAdmit({ bytes: 500 }), -1, '600 + 500 > 1000');
  const waiting = admission.waitForSlot({ bytes: 500 }, 1_000);
  const second = admission.waitForSlot({ bytes: 100 }, 20);
  assert.equal(admission.bytesInFlight, 600);
  admission.release(a);
  const slot = await waiting;
  assert.ok(slot >= 0);
  assert.equal(admission.bytesInFlight, 600, 'the 500-byte waiter took over, then the 100-byte one');
  assert.ok((await second) >= 0);
  // A message larger than the whole bound still goes through when nothing else is in flight.
  const lone = new Admission<{ bytes: number }>(10, 100, (e) => e.bytes);
  assert.notEqual(lone.tryAdmit({ bytes: 5_000 }), -1);
  assert.equal(await lone.waitForSlot({ bytes: 1 }, 10), ADMISSION_TIMED_OUT);
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
