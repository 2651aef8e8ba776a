import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { faultBus, FaultRun, LONG, rand, settledHeap, sleep } from './fault-harness.ts';
import type { AgentBus } from '../../src/bus.ts';

const CRASH_STAGE = fileURLToPath(new URL('../fixtures/crash-stage.ts', import.meta.url));
const KILLS = LONG ? 300 : 50;

/** Kills validation threads under open-loop load and checks how every send settled. */
async function killUnderLoad(bus: AgentBus): Promise<void> {
  const run = new FaultRun(bus, 'kills');
  for (const tenant of ['acme', 'globex']) {
    bus.registerAgent({ id: `${tenant}-sender`, tenantId: tenant, handler: run.handler(tenant) });
    bus.registerAgent({ id: `${tenant}-receiver`, tenantId: tenant, handler: run.handler(tenant) });
  }
  let kills = 0;
  const killer = (async () => {
    while (kills < KILLS) {
      await sleep(rand(4) === 0 ? 0 : rand(25));
      const threads = bus.threads;
      if (threads.length === 0) continue;
      void threads[rand(threads.length)]!.terminate();
      kills++;
    }
  })();
  let loadDone = false;
  const load = (async () => {
    while (!loadDone) {
      await run.openLoop(200, 3, (i) => {
        const tenant = i % 2 === 0 ? 'acme' : 'globex';
        // New payloads keep the policy's cache missing, so its batch step runs often.
        return { from: `${tenant}-sender`, to: `${tenant}-receiver`, type: 'event', tenantId: tenant, payload: { i, pad: 'x'.repeat(rand(400)) } };
      });
    }
  })();
  await killer;
  loadDone = true;
  await load;
  const { delivered, codes } = await run.check(60_000);
  // A kill may hit a thread already dying, or a pool's spare thread between restarts: not every kill is a loss.
  assert.ok(bus.health().restarts >= KILLS / 5, `restarts: ${bus.health().restarts} of ${KILLS} kills`);
  assert.ok(delivered > 0, JSON.stringify(codes));
  // Only codes a kill can explain: a message charged with two crashes is poison; while kills come faster than
  // restarts (their backoff grows), no thread is alive and messages settle E_UNAVAILABLE, or E_TIMEOUT when a
  // thread came back too late for their deadline; and while their slots are held that long, the open loop
  // fills the in-flight limit and the waiting line, and the excess is refused E_OVERLOADED. Nothing else fails.
  const explained = ['E_POISON_MESSAGE', 'E_UNAVAILABLE', 'E_TIMEOUT', 'E_OVERLOADED'];
  for (const code of Object.keys(codes)) assert.ok(explained.includes(code), `unexpected ${code}: ${JSON.stringify(codes)}`);
  // The handlers keep the books alive through the registry: gone with the agents.
  for (const tenant of ['acme', 'globex']) {
    bus.unregisterAgent(`${tenant}-sender`);
    bus.unregisterAgent(`${tenant}-receiver`);
  }
}

/**
 * Validation threads killed at random moments under open-loop load, through the full pipeline (the bundled
 * policy). A kill's moment relative to a thread's work is random: between records, mid-batch, in the
 * policy's batch step (a cache miss batch runs at each new payload), while verdicts are published. Varying
 * delays (0–25 ms, some back to back) spread the kills over all of these.
 */
test(`${KILLS} validation-thread kills at random points under open-loop load: every send settles once, no duplicate or cross-tenant delivery, heap back near baseline`, async () => {
  const baseline = settledHeap();
  const bus = await faultBus({ messageTimeoutMs: 20_000 });
  try {
    // The run's books (every send, its result, every handler call) grow with the run's length, which a loaded
    // machine stretches; they live in killUnderLoad, so the heap measured below is what the bus itself kept.
    await killUnderLoad(bus);
  } finally {
    // Closed whatever an assertion says: a bus left open keeps this file's process alive.
    await bus.close();
  }
  const grown = settledHeap() - baseline;
  assert.ok(grown < 24 * 1024 * 1024, `heap grew ${(grown / 1048576).toFixed(1)} MiB`);
});

test('a stage that kills its thread on some messages, under load, with close() in the middle: all settle, nothing delivered twice', async () => {
  const bus = await faultBus({ stages: [CRASH_STAGE], policy: false });
  const run = new FaultRun(bus, 'crash-stage');
  bus.registerAgent({ id: 'a', tenantId: 'acme', handler: run.handler('acme') });
  bus.registerAgent({ id: 'b', tenantId: 'acme', handler: run.handler('acme') });
  const load = run.openLoop(600, 5, (i) => ({ from: 'a', to: 'b', type: 'event', tenantId: 'acme', payload: { i, crash: i % 97 === 13 } }));
  await sleep(300);
  const closing = bus.close({ timeoutMs: 5_000 });
  await load;
  await closing;
  const { codes } = await run.check();
  assert.ok((codes.E_POISON_MESSAGE ?? 0) + (codes.E_CLOSED ?? 0) > 0, JSON.stringify(codes));
});
