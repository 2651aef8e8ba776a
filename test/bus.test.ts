import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createAgentBus, type AgentBus, type AgentMessage, type SendResult } from '../src/index.ts';

const HASH = 'cdd01ef066bc6cf2';

function counter() {
  const seen = new Map<string, number>();
  return {
    seen,
    handler: (m: AgentMessage) => {
      seen.set(m.id, (seen.get(m.id) ?? 0) + 1);
    },
    duplicates: () => [...seen.values()].filter((n) => n > 1).length,
  };
}

async function withBus(options: Parameters<typeof createAgentBus>[0], body: (bus: AgentBus) => Promise<void>): Promise<void> {
  const bus = await createAgentBus({ workers: 1, log: () => {}, deliberation: false, ...options });
  try {
    await body(bus);
  } finally {
    await bus.close();
  }
}

test('10,000 messages through a real worker all settle, each with the right status', async () => {
  await withBus({}, async (bus) => {
    const ok = counter();
    bus.registerAgent({ id: 'sender', tenantId: 'tenant-a', handler: () => {} });
    bus.registerAgent({ id: 'receiver', tenantId: 'tenant-a', handler: ok.handler });
    // Recorded, not asserted in the handler: the bus would turn a failed assertion there into E_HANDLER.
    const crossTenant: string[] = [];
    bus.registerAgent({ id: 'other-tenant', tenantId: 'tenant-b', handler: (m) => { crossTenant.push(m.id); } });
    bus.registerAgent({ id: 'thrower', tenantId: 'tenant-a', handler: () => { throw new Error('handler bug'); } });
    bus.registerAgent({ id: 'rejecter', tenantId: 'tenant-a', handler: async () => { throw new Error('async bug'); } });
    const kinds = [
      { expect: ['delivered', undefined], msg: { to: 'receiver' } },
      { expect: ['rejected', 'E_HASH_MISMATCH'], msg: { to: 'receiver', constitutionalHash: HASH.toUpperCase() } },
      { expect: ['rejected', 'E_TENANT'], msg: { to: 'other-tenant' } },
      { expect: ['rejected', 'E_UNKNOWN_AGENT'], msg: { to: 'ghost' } },
      { expect: ['expired', 'E_EXPIRED'], msg: { to: 'receiver', expiresAt: Date.now() - 1 } },
      { expect: ['failed', 'E_HANDLER'], msg: { to: 'thrower' } },
      { expect: ['failed', 'E_HANDLER'], msg: { to: 'rejecter' } },
      { expect: ['rejected', 'E_PAYLOAD_TOO_DEEP'], msg: { to: 'receiver', payload: JSON.parse('['.repeat(40) + ']'.repeat(40)) } },
    ] as const;
    const sends: Promise<SendResult>[] = [];
    const expected: (readonly [string, string | undefined])[] = [];
    for (let i = 0; i < 10_000; i++) {
      const kind = kinds[i % kinds.length]!;
      expected.push(kind.expect);
      sends.push(bus.send({ from: 'sender', type: 'command', tenantId: 'tenant-a', payload: { i }, ...kind.msg }));
    }
    const results = await Promise.all(sends);
    results.forEach((r, i) => {
      assert.equal(r.status, expected[i]![0], `message ${i}: ${JSON.stringify(r)}`);
      assert.equal(r.code, expected[i]![1], `message ${i}: ${JSON.stringify(r)}`);
      if (r.status !== 'delivered') assert.ok(r.reasons.length > 0);
    });
    assert.deepEqual(crossTenant, [], 'cross-tenant delivery');
    const delivered = results.filter((r) => r.status === 'delivered');
    assert.equal(ok.seen.size, delivered.length);
    assert.equal(ok.duplicates(), 0);
    for (const r of delivered) assert.equal(ok.seen.get(r.id), 1);
    const metrics = bus.metrics();
    assert.equal(metrics.settled, 10_000);
    assert.equal(metrics.byStatus.delivered, delivered.length);
    assert.equal(metrics.byCode.E_HANDLER, results.filter((r) => r.code === 'E_HANDLER').length);
    assert.equal(metrics.inFlight, 0);
    assert.ok(metrics.latencyUs.count === 10_000 && metrics.latencyUs.p99 >= metrics.latencyUs.p50);
    assert.ok(metrics.pipelineUs.count > 0 && metrics.queuedUs.count > 0);
  });
});

test('overloaded (every slot taken, the waiting line full): send() refuses E_OVERLOADED at once without reading the message', async () => {
  await withBus({ maxInFlight: 2, maxWaiting: 2, admissionTimeoutMs: 5_000 }, async (bus) => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    bus.registerAgent({ id: 'sender', tenantId: 'tenant-a', handler: () => {} });
    bus.registerAgent({ id: 'slow', tenantId: 'tenant-a', handler: () => held });
    const base = { from: 'sender', to: 'slow', type: 'task_request', tenantId: 'tenant-a' } as const;
    // Two in flight (their handler holds them), two waiting for a slot: the line is full.
    const admitted = Array.from({ length: 4 }, (_, i) => bus.send({ ...base, payload: { i } }));
    while (bus.metrics().inFlight < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    let payloadReads = 0;
    const flood = { ...base, id: 'flood-1' } as Record<string, unknown>;
    Object.defineProperty(flood, 'payload', { enumerable: true, get: () => { payloadReads++; return { big: 'x'.repeat(1_000) }; } });
    const refused = await bus.send(flood as never);
    assert.equal(refused.code, 'E_OVERLOADED', JSON.stringify(refused));
    assert.equal(refused.id, 'flood-1');
    assert.equal(payloadReads, 0, 'the payload of a message refused for overload was read');
    release();
    const results = await Promise.all(admitted);
    assert.deepEqual(results.map((r) => r.status), ['delivered', 'delivered', 'delivered', 'delivered']);
  });
});

/** A message whose payload counts its reads (through a getter, as intake reads it). */
function counted(base: Record<string, unknown>, id: string): { message: never; reads: () => number } {
  let reads = 0;
  const message = { ...base, id } as Record<string, unknown>;
  Object.defineProperty(message, 'payload', { enumerable: true, get: () => { reads++; return { id }; } });
  return { message: message as never, reads: () => reads };
}

test('a send that finds every slot taken waits unread, and is read when admitted, in the order it came', async () => {
  await withBus({ maxInFlight: 1, maxWaiting: 8, admissionTimeoutMs: 5_000 }, async (bus) => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    bus.registerAgent({ id: 'sender', tenantId: 'tenant-a', handler: () => {} });
    bus.registerAgent({ id: 'slow', tenantId: 'tenant-a', handler: (m) => { order.push(m.id); return held; } });
    const base = { from: 'sender', to: 'slow', type: 'task_request', tenantId: 'tenant-a' } as const;
    const first = bus.send({ ...base, id: 'first' });
    while (bus.metrics().inFlight < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    const waiters = ['w1', 'w2', 'w3'].map((id) => counted(base, id));
    const invalid = bus.send({ ...base, id: 'w-bad', type: 'not-a-type' } as never);
    const sends = waiters.map((w) => bus.send(w.message));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const readsWhileWaiting = waiters.map((w) => w.reads());
    release();
    assert.deepEqual(readsWhileWaiting, [0, 0, 0], 'a waiting message was read before it was admitted');
    const invalidResult = await invalid;
    assert.equal(invalidResult.code, 'E_INVALID_MESSAGE', 'read when its turn came, and refused then');
    const results = await Promise.all([first, ...sends]);
    assert.deepEqual(results.map((r) => r.status), ['delivered', 'delivered', 'delivered', 'delivered']);
    assert.deepEqual(order, ['first', 'w1', 'w2', 'w3']);
    assert.ok(waiters.every((w) => w.reads() > 0));
  });
});

test('a waiter past admissionTimeoutMs settles E_OVERLOADED unread; close() turns the rest away with E_CLOSED', async () => {
  const bus = await createAgentBus({ workers: 1, log: () => {}, deliberation: false, maxInFlight: 1, admissionTimeoutMs: 40 });
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  bus.registerAgent({ id: 'sender', tenantId: 'tenant-a', handler: () => {} });
  bus.registerAgent({ id: 'slow', tenantId: 'tenant-a', handler: () => held });
  const base = { from: 'sender', to: 'slow', type: 'task_request', tenantId: 'tenant-a' } as const;
  const first = bus.send({ ...base, id: 'first' });
  try {
    while (bus.metrics().inFlight < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    const late = counted(base, 'late');
    const timedOut = await bus.send(late.message);
    assert.equal(timedOut.code, 'E_OVERLOADED', JSON.stringify(timedOut));
    assert.equal(timedOut.id, 'late');
    assert.match(timedOut.reasons[0]!, /for 40 ms/);
    assert.ok(timedOut.latencyUs >= 40_000, `settled after ${timedOut.latencyUs} µs`);
    assert.equal(late.reads(), 0, 'a message refused for overload was read');
    const waiting = bus.send({ ...base, id: 'closing' });
    const closing = bus.close();
    const closed = await waiting;
    assert.equal(closed.code, 'E_CLOSED', JSON.stringify(closed));
    release();
    await closing;
    assert.equal((await first).status, 'delivered');
  } finally {
    release();
    await bus.close();
  }
});

test('backpressure: in flight never exceeds the bound, E_OVERLOADED appears, nothing else is lost', async () => {
  const bound = 64;
  await withBus({ maxInFlight: bound, admissionTimeoutMs: 30 }, async (bus) => {
    let maxInFlight = 0;
    const seen = new Set<string>();
    let twice = 0;
    bus.registerAgent({ id: 'sender', tenantId: 'tenant-a', handler: () => {} });
    bus.registerAgent({
      id: 'slow',
      tenantId: 'tenant-a',
      handler: async (m) => {
        if (seen.has(m.id)) twice++; // asserted after the run: an assertion here would only become E_HANDLER
        seen.add(m.id);
        maxInFlight = Math.max(maxInFlight, bus.metrics().inFlight);
        await new Promise((r) => setTimeout(r, 2));
      },
    });
    const results = await Promise.all(
      Array.from({ length: 2_000 }, (_, i) => bus.send({ from: 'sender', to: 'slow', type: 'task_request', tenantId: 'tenant-a', payload: { i } })),
    );
    const delivered = results.filter((r) => r.status === 'delivered').length;
    const overloaded = results.filter((r) => r.code === 'E_OVERLOADED').length;
    assert.ok(maxInFlight <= bound, `in flight reached ${maxInFlight}`);
    assert.ok(overloaded > 0, 'expected some E_OVERLOADED');
    assert.ok(delivered >= bound, `only ${delivered} delivered`);
    assert.equal(delivered + overloaded, results.length, 'every message is delivered or overloaded');
    assert.equal(seen.size, delivered);
    assert.equal(twice, 0, 'delivered twice');
    assert.equal(bus.metrics().inFlight, 0);
  });
});

test('a worker killed mid-batch: every promise settles and each message reaches its handler exactly once', { timeout: 120_000 }, async () => {
  // The hold stage keeps one message inside the worker's pipeline and says so; the worker is killed right
  // then, with that message and the ones batched behind it unsettled. Delivering the held message at all
  // proves recovery ran: the dead worker never published its verdict, so only a re-sent copy can pass.
  const stage = fileURLToPath(new URL('./fixtures/hold-stage.ts', import.meta.url));
  const { HOLD_CHANNEL } = await import('./fixtures/hold-stage.ts');
  // Crash recovery, not deadlines, is under test: a replacement thread may take seconds to start on a busy
  // machine, so the deadline is set far beyond it.
  await withBus({ stages: [stage], messageTimeoutMs: 120_000 }, async (bus) => {
    const ok = counter();
    bus.registerAgent({ id: 'sender', tenantId: 'tenant-a', handler: () => {} });
    bus.registerAgent({ id: 'receiver', tenantId: 'tenant-a', handler: ok.handler });
    const total = 5_000;
    let settled = 0;
    const send = (payload: { i?: number; pad?: string; hold?: boolean }) => {
      const p = bus.send({ from: 'sender', to: 'receiver', type: 'event', tenantId: 'tenant-a', payload });
      void p.then(() => { settled++; });
      return p;
    };
    const listener = new BroadcastChannel(HOLD_CHANNEL);
    const killedAt = new Promise<{ held: string; settled: number; restartsBefore: number }>((resolve) => {
      listener.onmessage = (event: MessageEvent) => {
        listener.close();
        const snapshot = { held: event.data as string, settled, restartsBefore: bus.metrics().workers.restarts };
        void bus.threads[0]!.terminate();
        resolve(snapshot);
      };
    });
    const sends: Promise<SendResult>[] = [];
    for (let i = 0; i < total / 2; i++) sends.push(send({ i, pad: 'x'.repeat(200) }));
    const held = send({ hold: true });
    for (let i = total / 2; i < total; i++) sends.push(send({ i, pad: 'x'.repeat(200) }));
    const kill = await killedAt;
    const heldResult = await held;
    const results = await Promise.all(sends);
    // The worker was blocked in the held message: nothing sent after it can have settled yet.
    assert.ok(kill.settled <= total / 2, `killed after ${kill.settled} of ${total + 1} settled`);
    assert.equal(heldResult.id, kill.held);
    assert.equal(heldResult.status, 'delivered', JSON.stringify(heldResult));
    assert.equal(ok.seen.get(heldResult.id), 1, 'the held message reached its handler exactly once');
    assert.ok(bus.metrics().workers.restarts > kill.restartsBefore, 'the worker was replaced');
    assert.equal(results.filter((r) => r.status === 'delivered').length, total, JSON.stringify(results.find((r) => r.status !== 'delivered')));
    assert.equal(ok.seen.size, total + 1);
    assert.equal(ok.duplicates(), 0);
    // The replacement works for new traffic too.
    assert.equal((await bus.send({ from: 'sender', to: 'receiver', type: 'event', tenantId: 'tenant-a' })).status, 'delivered');
  });
});

test('a message that takes down a second worker is rejected as E_POISON_MESSAGE; the others are delivered', { timeout: 240_000 }, async () => {
  const stage = fileURLToPath(new URL('./fixtures/crash-stage.ts', import.meta.url));
  // Deadlines far beyond a replacement thread's start-up on a busy machine: crash recovery is under test.
  await withBus({ stages: [stage], messageTimeoutMs: 120_000 }, async (bus) => {
    const ok = counter();
    bus.registerAgent({ id: 'sender', tenantId: 'tenant-a', handler: () => {} });
    bus.registerAgent({ id: 'receiver', tenantId: 'tenant-a', handler: ok.handler });
    const good = Array.from({ length: 200 }, (_, i) => bus.send({ from: 'sender', to: 'receiver', type: 'event', tenantId: 'tenant-a', payload: { i } }));
    const poison = bus.send({ from: 'sender', to: 'receiver', type: 'event', tenantId: 'tenant-a', payload: { crash: true } });
    const more = Array.from({ length: 200 }, (_, i) => bus.send({ from: 'sender', to: 'receiver', type: 'event', tenantId: 'tenant-a', payload: { j: i } }));
    const poisoned = await poison;
    assert.equal(poisoned.status, 'rejected');
    assert.equal(poisoned.code, 'E_POISON_MESSAGE');
    const rest = await Promise.all([...good, ...more]);
    assert.ok(rest.every((r) => r.status === 'delivered'));
    assert.equal(ok.seen.size, 400);
    assert.equal(ok.duplicates(), 0);
    assert.equal(bus.metrics().workers.restarts, 2);
  });
});

test('malformed input of every kind gets a typed rejection and the bus keeps working', async () => {
  await withBus({}, async (bus) => {
    const ok = counter();
    bus.registerAgent({ id: 'sender', tenantId: 'tenant-a', handler: () => {} });
    bus.registerAgent({ id: 'receiver', tenantId: 'tenant-a', handler: ok.handler });
    const base = { from: 'sender', to: 'receiver', type: 'command', tenantId: 'tenant-a' };
    const cyclic: Record<string, unknown> = {};
    cyclic.me = cyclic;
    const garbage: unknown[] = [
      undefined, null, 0, 'text', true, [], [base], () => base, Symbol('m'), 10n, new Date(), new Map(),
      { ...base, from: 1 }, { ...base, to: null }, { ...base, type: 'nope' }, { ...base, tenantId: ['tenant-a'] },
      { ...base, priority: -1 }, { ...base, payload: 'x'.repeat(100_000) }, { ...base, payload: { big: Array.from({ length: 30_000 }, () => 'ab') } },
      { ...base, payload: cyclic }, { ...base, payload: JSON.parse('{"__proto__":{"isAdmin":true}}') },
      { ...base, payload: { s: 'bad \ud83d surrogate' } }, { ...base, from: 'a\udc00' }, { ...base, metadata: { k: 5 } },
      { ...base, payload: { f: Number.NaN } }, { ...base, payload: new Uint8Array(10) }, { ...base, expiresAt: 'tomorrow' },
      JSON.parse('{"__proto__":{"polluted":1},"from":"sender","to":"receiver","type":"command","tenantId":"tenant-a"}'),
    ];
    for (const input of garbage) {
      const result = await bus.send(input as never);
      assert.equal(result.status, 'rejected', `accepted ${String(input)}`);
      assert.match(result.code!, /^E_[A-Z_]+$/);
      assert.ok(result.reasons[0]!.length > 0);
    }
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined, 'no prototype pollution');
    const after = await bus.send({ ...base, type: 'command', payload: { still: 'working' } } as never);
    assert.equal(after.status, 'delivered');
    assert.equal(ok.seen.size, 1);
  });
});

test('a payload is judged as it is at dispatch: changed in size after send() it is refused E_INVALID_MESSAGE, never judged by its old size', async () => {
  // A stage that reads payloads makes them cross to the worker, encoded when the batch is written.
  const stage = fileURLToPath(new URL('./fixtures/slow-stage.ts', import.meta.url));
  await withBus({ stages: [stage] }, async (bus) => {
    const received: unknown[] = [];
    bus.registerAgent({ id: 'sender', tenantId: 'tenant-a', handler: () => {} });
    bus.registerAgent({ id: 'receiver', tenantId: 'tenant-a', handler: (m) => { received.push(m.payload); } });
    const send = (payload: { n: number }) => bus.send({ from: 'sender', to: 'receiver', type: 'event', tenantId: 'tenant-a', payload });
    const untouched = { n: 1 };
    const grown = { n: 2 };
    const sameSize = { n: 3 };
    const sends = [send(untouched), send(grown), send(sameSize)];
    grown.n = 5_000_000; // 1 byte measured at send(), 5 now
    sameSize.n = 4;
    const [a, b, c] = await Promise.all(sends);
    assert.equal(a.status, 'delivered');
    assert.deepEqual([b.status, b.code], ['rejected', 'E_INVALID_MESSAGE']);
    assert.match(b.reasons[0]!, /payload changed after send\(\)/);
    assert.equal(c.status, 'delivered');
    // The handler gets the same object the caller sent; what was judged is what it got.
    assert.deepEqual(received, [{ n: 1 }, { n: 4 }]);
    assert.equal((await send({ n: 5 })).status, 'delivered', 'the bus keeps working');
  });
});

test('registry changes reach the workers before the next message', async () => {
  await withBus({}, async (bus) => {
    bus.registerAgent({ id: 'a', tenantId: 'tenant-a', handler: () => {} });
    for (let i = 0; i < 50; i++) {
      bus.registerAgent({ id: `b${i}`, tenantId: 'tenant-a', handler: () => {} });
      const sent = await bus.send({ from: 'a', to: `b${i}`, type: 'event', tenantId: 'tenant-a' });
      assert.equal(sent.status, 'delivered');
      bus.unregisterAgent(`b${i}`);
      const gone = await bus.send({ from: 'a', to: `b${i}`, type: 'event', tenantId: 'tenant-a' });
      assert.equal(gone.code, 'E_UNKNOWN_AGENT');
    }
  });
});

test('broadcast reaches every agent of the sender\'s tenant except the sender', async () => {
  await withBus({}, async (bus) => {
    const got: string[] = [];
    for (const id of ['a1', 'a2', 'a3']) bus.registerAgent({ id, tenantId: 'tenant-a', handler: (m) => { got.push(`${id}:${m.to}`); } });
    bus.registerAgent({ id: 'b1', tenantId: 'tenant-b', handler: () => { got.push('b1'); } });
    const results = await bus.broadcast({ from: 'a1', type: 'notification', tenantId: 'tenant-a', payload: 'hi' });
    assert.equal(results.length, 2);
    assert.ok(results.every((r) => r.status === 'delivered'));
    assert.deepEqual(got.sort(), ['a2:a2', 'a3:a3']);
    const unknown = await bus.broadcast({ from: 'nobody', type: 'notification', tenantId: 'tenant-a' });
    assert.equal(unknown[0]!.code, 'E_TENANT');
  });
});

test('close() drains in-flight messages, then refuses new ones and stops the threads', async () => {
  const bus = await createAgentBus({ workers: 1, log: () => {}, deliberation: false });
  const ok = counter();
  bus.registerAgent({ id: 'a', tenantId: 'tenant-a', handler: () => {} });
  bus.registerAgent({ id: 'b', tenantId: 'tenant-a', handler: async (m) => { await new Promise((r) => setImmediate(r)); ok.handler(m); } });
  const sends = Array.from({ length: 5_000 }, (_, i) => bus.send({ from: 'a', to: 'b', type: 'event', tenantId: 'tenant-a', payload: i }));
  const closing = bus.close();
  assert.throws(() => bus.send({ from: 'a', to: 'b', type: 'event', tenantId: 'tenant-a' }), { code: 'E_CLOSED' });
  await closing;
  const results = await Promise.all(sends);
  assert.ok(results.every((r) => r.status === 'delivered'));
  assert.equal(ok.seen.size, 5_000);
  assert.equal(bus.threads.length, 0);
  await bus.close(); // idempotent
});

test('inline mode runs the same pipeline with the same outcomes', async () => {
  await withBus({ mode: 'inline' }, async (bus) => {
    const ok = counter();
    bus.registerAgent({ id: 'a', tenantId: 'tenant-a', handler: () => {} });
    bus.registerAgent({ id: 'b', tenantId: 'tenant-a', handler: ok.handler });
    assert.equal((await bus.send({ from: 'a', to: 'b', type: 'event', tenantId: 'tenant-a' })).status, 'delivered');
    assert.equal((await bus.send({ from: 'a', to: 'b', type: 'event', tenantId: 'tenant-a', constitutionalHash: 'x' })).code, 'E_HASH_MISMATCH');
    assert.equal((await bus.send({ from: 'a', to: 'c', type: 'event', tenantId: 'tenant-a' })).code, 'E_UNKNOWN_AGENT');
    assert.equal(ok.seen.size, 1);
    assert.equal(bus.threads.length, 0);
  });
});

test('registration mistakes throw typed errors', async () => {
  await withBus({}, async (bus) => {
    bus.registerAgent({ id: 'a', tenantId: 'tenant-a', handler: () => {} });
    assert.throws(() => bus.registerAgent({ id: 'a', tenantId: 'tenant-a', handler: () => {} }), { code: 'E_CONFIG' });
    assert.throws(() => bus.registerAgent({ id: 'x', tenantId: 'Bad Tenant', handler: () => {} }), { code: 'E_CONFIG' });
    assert.throws(() => bus.registerAgent({ id: '', tenantId: 'tenant-a', handler: () => {} }), { code: 'E_CONFIG' });
    assert.throws(() => bus.registerAgent({ id: 'y', tenantId: 'tenant-a', handler: 'no' as never }), { code: 'E_CONFIG' });
  });
});

test('a stage module that cannot be loaded fails createAgentBus with E_CONFIG', async () => {
  await assert.rejects(createAgentBus({ workers: 1, log: () => {}, stages: ['/nonexistent/stage.js'] }), { code: 'E_CONFIG' });
});

test('close() ends even when a handler never returns: the stuck message fails with E_CLOSED', async () => {
  const bus = await createAgentBus({ workers: 1, log: () => {}, deliberation: false });
  bus.registerAgent({ id: 'a', tenantId: 'tenant-a', handler: () => {} });
  bus.registerAgent({ id: 'stuck', tenantId: 'tenant-a', handler: () => new Promise<void>(() => {}) });
  const stuck = bus.send({ from: 'a', to: 'stuck', type: 'event', tenantId: 'tenant-a' });
  await new Promise((r) => setTimeout(r, 50));
  await bus.close({ timeoutMs: 100 });
  const result = await stuck;
  assert.equal(result.status, 'failed');
  assert.equal(result.code, 'E_CLOSED');
  assert.equal(bus.threads.length, 0);
});

test('a registry of 60,000 agents (larger than a ring record) reaches the workers', async () => {
  await withBus({}, async (bus) => {
    for (let i = 0; i < 60_000; i++) bus.registerAgent({ id: `agent-with-a-longish-name-${i}`, tenantId: `tenant-${i % 7}xx`, capabilities: ['read', 'write'], handler: () => {} });
    const result = await bus.send({ from: 'agent-with-a-longish-name-0', to: 'agent-with-a-longish-name-59997', type: 'event', tenantId: 'tenant-0xx' });
    assert.equal(result.status, 'delivered', JSON.stringify(result));
  });
});

test('fire-and-forget sends settle accepted once the handler was called, without waiting for it; registerAgentAsync works in-process', async () => {
  await withBus({ mode: 'inline' }, async (bus) => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started: string[] = [];
    bus.registerAgent({ id: 'sender', tenantId: 'tenant-a', handler: () => {} });
    const slow = await bus.registerAgentAsync({ id: 'slow', tenantId: 'tenant-a', handler: async (m) => { started.push(m.id); await gate; } });
    assert.equal(slow.id, 'slow');
    assert.equal(bus.findAgent('slow')?.tenantId, 'tenant-a');
    const accepted = await bus.send({ from: 'sender', to: 'slow', type: 'event', tenantId: 'tenant-a', payload: {} }, { fireAndForget: true });
    assert.equal(accepted.status, 'accepted');
    assert.deepEqual(started, [accepted.id], 'the handler was called, and has not finished');
    const waited = bus.send({ from: 'sender', to: 'slow', type: 'event', tenantId: 'tenant-a', payload: {} });
    release();
    assert.equal((await waited).status, 'delivered');
    assert.equal(bus.metrics().byStatus.accepted, 1);
    assert.equal(await bus.unregisterAgentAsync('slow'), true);
    assert.equal(bus.findAgent('slow'), undefined);
  });
});
