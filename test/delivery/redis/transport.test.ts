import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@redis/client';
import { createMessage, type AgentMessage } from '../../../src/model/message.ts';
import { RedisTransport } from '../../../src/delivery/redis/transport.ts';
import { KeyLayout } from '../../../src/delivery/redis/keys.ts';
import type { RedisTransportOptions } from '../../../src/delivery/redis/options.ts';
import { needsRedis, startRedisServer, type RedisServer } from './redis-server.ts';

let server: RedisServer;
const open: RedisTransport[] = [];

before(async () => {
  if (needsRedis.skip === false) server = await startRedisServer();
});
after(async () => {
  await Promise.all(open.map((t) => t.close()));
  await server?.stop();
});

let prefixCounter = 0;
/** Two transports ("processes") sharing one key prefix, unique per test. */
async function pair(overrides: Partial<RedisTransportOptions> = {}): Promise<[RedisTransport, RedisTransport, string]> {
  const keyPrefix = `t${prefixCounter++}`;
  const make = async () => {
    const transport = new RedisTransport({ url: server.url, keyPrefix, claimIdleMs: 400, claimIntervalMs: 100, commandTimeoutMs: 300, blockMs: 200, heartbeatMs: 100, registryTtlMs: 400, ...overrides });
    await transport.start();
    open.push(transport);
    return transport;
  };
  return [await make(), await make(), keyPrefix];
}

const message = (to: string, payload: Record<string, string | number> = {}, tenantId = 'tenant-a'): AgentMessage =>
  createMessage({ from: 'sender', to, type: 'event', tenantId, payload });

async function until(condition: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

test('a message to an agent of another process is delivered, and send settles when the remote handler settles', needsRedis, async () => {
  const [a, b] = await pair();
  const seen: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  await b.registerLocal({ id: 'worker', tenantId: 'tenant-a', handler: async (m) => { await gate; seen.push(m.id); } });
  await a.refreshRegistry();
  assert.equal(a.lookupRemote('worker')?.tenantId, 'tenant-a');
  const m = message('worker', { n: 1 });
  let settled = false;
  const outcome = a.deliver(m).then((o) => ((settled = true), o));
  await sleep(300);
  assert.equal(settled, false, 'the send waits for the remote handler');
  release();
  assert.deepEqual(await outcome, { status: 'delivered' });
  assert.deepEqual(seen, [m.id]);
});

test('fire-and-forget settles accepted once the entry is in the stream; the handler still runs', needsRedis, async () => {
  const [a, b] = await pair();
  const seen: string[] = [];
  await b.registerLocal({ id: 'worker', tenantId: 'tenant-a', handler: () => void seen.push('x') });
  await a.refreshRegistry();
  const outcome = await a.deliver(message('worker'), { fireAndForget: true });
  assert.equal(outcome.status, 'accepted');
  await until(() => seen.length === 1);
});

test('an agent no process serves is unknown; a failing remote handler settles failed after its retries, and the message is dead-lettered with the reason', needsRedis, async () => {
  const [a, b, prefix] = await pair({ maxDeliveries: 3 });
  assert.equal((await a.deliver(message('nobody'))).status, 'unknown-agent');
  let calls = 0;
  const good: string[] = [];
  await b.registerLocal({
    id: 'worker',
    tenantId: 'tenant-a',
    handler: (m) => {
      if ((m.payload as { poison?: number }).poison === 1) {
        calls++;
        throw new Error('cannot digest this');
      }
      good.push(m.id);
    },
  });
  await a.refreshRegistry();
  const poison = message('worker', { poison: 1 });
  const poisoned = a.deliver(poison);
  const fine = await Promise.all([1, 2, 3].map((n) => a.deliver(message('worker', { n }))));
  assert.deepEqual(fine.map((o) => o.status), ['delivered', 'delivered', 'delivered'], 'later messages keep flowing');
  const outcome = await poisoned;
  assert.equal(outcome.status, 'failed');
  assert.equal(outcome.status === 'failed' && outcome.code, 'E_HANDLER');
  assert.match(outcome.status === 'failed' ? outcome.reason : '', /dead-lettered after 3 deliveries: .*cannot digest this/);
  assert.equal(calls, 3, 'the handler ran exactly maxDeliveries times');
  const raw = createClient({ url: server.url, RESP: 2 });
  await raw.connect();
  const dlq = (await raw.sendCommand(['XRANGE', new KeyLayout(prefix).deadLetters('worker'), '-', '+'])) as [string, string[]][];
  await raw.close();
  assert.equal(dlq.length, 1);
  const fields = Object.fromEntries(dlq[0]![1].flatMap((v, i, all) => (i % 2 === 0 ? [[v, all[i + 1]]] : [])));
  assert.equal(JSON.parse(fields.m!).id, poison.id);
  assert.equal(fields.deliveries, '3');
  assert.match(fields.reason!, /cannot digest this/);
  assert.equal(good.length, 3);
});

test('the same message id written twice (a retry after an unknown outcome) runs its handler once; both copies settle delivered', needsRedis, async () => {
  const [a, b] = await pair();
  let runs = 0;
  await b.registerLocal({ id: 'worker', tenantId: 'tenant-a', handler: async () => { runs++; await sleep(20); } });
  await a.refreshRegistry();
  const m = message('worker');
  const [first, second] = await Promise.all([a.deliver(m), a.deliver(m)]);
  assert.equal(first.status, 'delivered');
  assert.equal(second.status, 'delivered');
  const third = await a.deliver(m);
  assert.equal(third.status, 'delivered');
  await sleep(600); // past claimIdleMs: a copy left pending would be claimed and run again now
  assert.equal(runs, 1);
  assert.ok(b.stats.duplicatesSkipped >= 1);
});

test('the registry lives in Redis per tenant: a closed process\'s agents leave every mirror; an id cannot change tenant', needsRedis, async () => {
  const [a, b] = await pair();
  await b.registerLocal({ id: 'worker', tenantId: 'tenant-b', type: 'auditor', capabilities: ['read'], tier: 2, handler: () => {} });
  let changes = 0;
  a.onRegistryChange(() => changes++);
  await until(() => a.lookupRemote('worker') !== undefined);
  assert.deepEqual(a.registryEntries(), [['worker', 'tenant-b', 'auditor', ['read'], 2]], 'type, capabilities and the deliberation tier travel with the agent');
  assert.ok(changes >= 1);
  await assert.rejects(a.registerLocal({ id: 'worker', tenantId: 'tenant-a', handler: () => {} }), { code: 'E_CONFIG' });
  await b.close();
  await until(() => a.lookupRemote('worker') === undefined);
  assert.equal((await a.deliver(message('worker', {}, 'tenant-b'))).status, 'unknown-agent');
});

test('bad options are typed rejections', () => {
  assert.throws(() => new RedisTransport({ url: 'http://x' }), { code: 'E_CONFIG' });
  assert.throws(() => new RedisTransport({ url: 'redis://127.0.0.1:1', readCount: 10 }), { code: 'E_CONFIG' });
  assert.throws(() => new RedisTransport({ url: 'redis://127.0.0.1:1', claimIdleMs: 100, commandTimeoutMs: 200 }), { code: 'E_CONFIG' });
  assert.throws(() => new RedisTransport({ url: 'redis://127.0.0.1:1', keyPrefix: 'a{b}' }), { code: 'E_CONFIG' });
});

test('start() against no server rejects E_UNAVAILABLE, within its deadline', async () => {
  const transport = new RedisTransport({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 200, claimIdleMs: 1000 });
  const began = Date.now();
  await assert.rejects(transport.start(), { code: 'E_UNAVAILABLE' });
  assert.ok(Date.now() - began < 2_000);
});

test('a sender whose mirror predates a registration reads the registry again before calling the recipient unknown', needsRedis, async () => {
  const [a, b] = await pair({ heartbeatMs: 5_000, registryTtlMs: 20_000 });
  await b.registerLocal({ id: 'late', tenantId: 'tenant-a', handler: () => {} });
  assert.equal(a.lookupRemote('late'), undefined, 'the mirror has not refreshed yet');
  assert.equal((await a.deliver(message('late'))).status, 'delivered');
});

test('a handler that never settles counts as failed after handlerTimeoutMs, is retried, then dead-lettered; the sender hears E_HANDLER', needsRedis, async () => {
  const [a, b] = await pair({ handlerTimeoutMs: 150, maxDeliveries: 2 });
  let calls = 0;
  await b.registerLocal({ id: 'stuck', tenantId: 'tenant-a', handler: () => { calls++; return new Promise<void>(() => {}); } });
  const outcome = await a.deliver(message('stuck'));
  assert.equal(outcome.status === 'failed' && outcome.code, 'E_HANDLER');
  assert.match(outcome.status === 'failed' ? outcome.reason : '', /dead-lettered after 2 deliveries: handler of 'stuck' did not settle within 150 ms/);
  assert.equal(calls, 2);
});
