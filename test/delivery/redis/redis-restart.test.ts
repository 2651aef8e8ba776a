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

test('redis-server killed -9 and restarted under load (AOF everysec): every send acknowledged to its sender survives; each effect once', needsRedis, async () => {
  const options = fastOptions(server.url, 'restart', { replyTimeoutMs: 3_000, unavailableTimeoutMs: 3_000, registryTtlMs: 10_000 });
  const consumer = new RedisTransport(options);
  const sender = new RedisTransport(options);
  await consumer.start();
  await sender.start();
  const effectCount = new Map<string, number>();
  await consumer.registerLocal({ id: 'worker', tenantId: 'tenant-a', handler: (m) => void effectCount.set(m.id, (effectCount.get(m.id) ?? 0) + 1) });
  await sender.refreshRegistry();

  // Half fire-and-forget (acknowledged = `accepted`: the XADD was acknowledged), half waiting for the handler.
  const messages: AgentMessage[] = [];
  const outcomes: Promise<RedisDeliveryOutcome>[] = [];
  let restarted: Promise<void> | undefined;
  for (let i = 0; i < 400; i++) {
    const message = createMessage({ from: 'sender', to: 'worker', type: 'event', tenantId: 'tenant-a', payload: { i } });
    messages.push(message);
    outcomes.push(sender.deliver(message, { fireAndForget: i % 2 === 0 }));
    if (i === 150) restarted = server.restart();
    if (i % 10 === 9) await sleep(5);
  }
  await restarted;
  const settled = await Promise.all(outcomes);
  for (const o of settled) {
    assert.ok(o.status === 'delivered' || o.status === 'accepted' || (o.status === 'failed' && (o.code === 'E_TIMEOUT' || o.code === 'E_UNAVAILABLE')), `typed: ${JSON.stringify(o)}`);
  }
  const acknowledged = messages.filter((_, k) => settled[k]!.status !== 'failed');
  assert.ok(acknowledged.length > 0);
  await until(() => acknowledged.every((m) => effectCount.has(m.id)), 15_000, 'every acknowledged message handled');

  // What was not acknowledged the caller retries by id; each message then has exactly one effect.
  const retry = messages.filter((_, k) => settled[k]!.status === 'failed');
  const again = await Promise.all(retry.map((m) => sender.deliver(m)));
  assert.ok(again.every((o) => o.status === 'delivered'), 'delivered after the restart');
  await sleep(700);
  assert.deepEqual([...effectCount.values()].filter((n) => n !== 1), [], 'each effect once');
  assert.deepEqual(new Set(effectCount.keys()), new Set(messages.map((m) => m.id)), '0 lost');
  await sender.close();
  await consumer.close();
});
