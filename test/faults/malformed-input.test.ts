// The malformed-input corpus in CI: generated send() inputs (test/faults/arbitraries.ts), each wrong by
// construction, through a real bus in both modes. Each must get a typed rejection; none may reach a
// handler; the process stays up, the bus keeps working and the heap returns near its baseline.
// `npm run fuzz` runs the same corpus at 100,000+ cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createAgentBus } from '../../src/index.ts';
import { registerCorpusAgents, runMalformedCorpus } from './malformed-corpus.ts';
import { RECIPIENT, SENDER } from './arbitraries.ts';

/** Cases per mode: both modes together run twice this (12,000 by default). */
const CASES = Number(process.env.AGENTBUS_FUZZ_CASES ?? 6_000);
const SEED = Number(process.env.AGENTBUS_FUZZ_SEED ?? 0x5eed);
/** What the heap may keep after the corpus, once collected: caches and JIT code, not the cases. */
const HEAP_MARGIN_BYTES = 24 * 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

for (const mode of ['workers', 'inline'] as const) {
  test(`${mode}: ${CASES.toLocaleString('en')} malformed inputs each get a typed rejection; nothing delivered, nothing polluted, heap back near baseline`, { timeout: 300_000 }, async () => {
    const bus = await createAgentBus({ mode, workers: 1, deliberation: false, log: () => {} });
    try {
      const { deliveries } = registerCorpusAgents(bus);
      // Warm-up (a different seed): the code paths, caches and JIT settle before the baseline.
      const warm = await runMalformedCorpus(bus, { cases: 1_000, seed: SEED + 1_000_000, deliveries });
      assert.deepEqual(warm.failures, []);
      const baseline = await settledHeap();

      const report = await runMalformedCorpus(bus, { cases: CASES, seed: SEED, deliveries });
      assert.equal(report.cases, CASES);
      assert.deepEqual(report.failures, [], `seed ${SEED}: ${JSON.stringify(report.failures, null, 2)}`);
      assert.equal(report.deliveries, 0, 'a malformed message reached a handler');
      // The corpus reached the pipeline too, not only intake (hash and tenant checks run past intake).
      assert.ok((report.byCode.E_HASH_MISMATCH ?? 0) > 0 && (report.byCode.E_TENANT ?? 0) > 0, JSON.stringify(report.byCode));

      const unpolluted = {} as Record<string, unknown>;
      assert.equal(unpolluted.polluted, undefined, 'Object.prototype was polluted');
      assert.equal(unpolluted.isAdmin, undefined, 'Object.prototype was polluted');

      const after = await settledHeap();
      assert.ok(after - baseline < HEAP_MARGIN_BYTES, `heap grew ${((after - baseline) / 1048576).toFixed(1)} MiB over the corpus`);
      assert.equal(bus.metrics().inFlight, 0);
      // The bus still works.
      const ok = await bus.send({ from: SENDER.id, to: RECIPIENT.id, type: 'event', tenantId: SENDER.tenantId, payload: { fine: true } });
      assert.equal(ok.status, 'delivered', JSON.stringify(ok));
      assert.equal(deliveries(), 1);
    } finally {
      await bus.close();
    }
  });
}

test('constructor and prototype keys are plain data: a message carrying them is judged on its merits and pollutes nothing', async () => {
  // The documented contract refuses only `__proto__`; these keys must pass through as data, inert.
  const bus = await createAgentBus({ mode: 'inline', deliberation: false, log: () => {} });
  try {
    const received: unknown[] = [];
    bus.registerAgent({ id: SENDER.id, tenantId: SENDER.tenantId, handler: () => {} });
    bus.registerAgent({ id: RECIPIENT.id, tenantId: RECIPIENT.tenantId, handler: (m) => { received.push(m.payload); } });
    const payload = JSON.parse('{"constructor":{"prototype":{"polluted":true}},"prototype":{"isAdmin":true},"a":[{"constructor":"x"}]}') as never;
    const result = await bus.send({ from: SENDER.id, to: RECIPIENT.id, type: 'event', tenantId: SENDER.tenantId, payload, metadata: { constructor: 'c', prototype: 'p' } });
    assert.equal(result.status, 'delivered', JSON.stringify(result));
    assert.deepEqual(received, [payload]);
    const unpolluted = {} as Record<string, unknown>;
    assert.equal(unpolluted.polluted, undefined);
    assert.equal(unpolluted.isAdmin, undefined);
  } finally {
    await bus.close();
  }
});
