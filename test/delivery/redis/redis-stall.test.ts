import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisTransport, type RedisDeliveryOutcome } from '../../../src/delivery/redis/transport.ts';
import { createMessage, type AgentMessage } from '../../../src/model/message.ts';
import { fastOptions, until } from './harness.ts';
import { needsRedis, startRedisServer, type RedisServer } from './redis-server.ts';

let server: RedisServer;
before(async () => {
  if (needsRedis.skip === false) server = await startRedisServer();
});
after(async () => {
  await server?.stop();
});

test('redis-server stopped (SIGSTOP) for 2 s: sends settle with typed timeouts, then recover after SIGCONT; retried by id, each effect once, 0 lost', needsRedis, async () => {
  const options = fastOptions(server.url, 'stall', { replyTimeoutMs: 1_000, unavailableTimeoutMs: 1_000, registryTtlMs: 10_000, claimIdleMs: 800 });
  const consumer = new RedisTransport(options);
  const sender = new RedisTransport(options);
  await consumer.start();
  await sender.start();
  const effectCount = new Map<string, number>();
  await consumer.registerLocal({ id: 'worker', tenantId: 'tenant-a', handler: (m) => void effectCount.set(m.id, (effectCount.get(m.id) ?? 0) + 1) });
  await sender.refreshRegistry();

  const messages: AgentMessage[] = [];
  const outcomes: Promise<RedisDeliveryOutcome>[] = [];
  const send = (i: number) => {
    const message = createMessage({ from: 'sender', to: 'worker', type: 'event', tenantId: 'tenant-a', payload: { i } });
    messages.push(message);
    outcomes.push(sender.deliver(message));
  };
  let i = 0;
  for (; i < 50; i++) send(i); // before the stall
  await sleep(100);
  process.kill(server.pid, 'SIGSTOP');
  const stoppedAt = Date.now();
  for (; i < 150; i++) {
    send(i); // during the stall: written to a socket nobody reads
    await sleep(10);
  }
  await sleep(Math.max(0, 2_000 - (Date.now() - stoppedAt)));
  process.kill(server.pid, 'SIGCONT');
  for (; i < 200; i++) send(i); // after it

  const settled = await Promise.all(outcomes);
  const failed = settled.filter((o) => o.status === 'failed');
  assert.ok(failed.length > 0, 'the stall was felt');
  for (const o of settled) {
    assert.ok(o.status === 'delivered' || (o.status === 'failed' && (o.code === 'E_TIMEOUT' || o.code === 'E_UNAVAILABLE')), `typed: ${JSON.stringify(o)}`);
  }
  assert.ok(failed.some((o) => o.status === 'failed' && o.code === 'E_TIMEOUT'), 'a write in flight during the stall is reported outcome-unknown');
  assert.ok(settled.slice(150).every((o) => o.status === 'delivered'), 'sends after SIGCONT are delivered: recovered');

  // The caller retries what did not settle delivered, with the same message id: the ledger keeps one effect.
  for (let round = 0; round < 5; round++) {
    const retry = messages.filter((_, k) => settled[k]!.status !== 'delivered');
    if (retry.length === 0) break;
    const again = await Promise.all(retry.map((m) => sender.deliver(m)));
    retry.forEach((m, k) => (settled[messages.indexOf(m)] = again[k]!));
  }
  assert.ok(settled.every((o) => o.status === 'delivered'), 'every message delivered in the end');
  await until(() => effectCount.size === messages.length, 5_000, 'every effect');
  await sleep(1_000); // past claimIdleMs: a stalled copy left pending would run again now
  assert.deepEqual([...effectCount.values()].filter((n) => n !== 1), [], 'each effect once');
  assert.deepEqual(new Set(effectCount.keys()), new Set(messages.map((m) => m.id)), '0 lost');
  assert.ok(consumer.stats.duplicatesSkipped > 0, 'retries of writes that had landed were recognised, not run again');
  await sender.close();
  await consumer.close();
});
