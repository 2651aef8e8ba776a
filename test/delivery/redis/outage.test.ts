import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RedisTransport } from '../../../src/delivery/redis/transport.ts';
import { reconnectDelay } from '../../../src/delivery/redis/connection.ts';
import { createMessage } from '../../../src/model/message.ts';
import { fastOptions, until } from './harness.ts';
import { needsRedis, startRedisServer, type RedisServer } from './redis-server.ts';

let server: RedisServer;
before(async () => {
  if (needsRedis.skip === false) server = await startRedisServer();
});
after(async () => {
  await server?.stop();
});

const message = (i: number) => createMessage({ from: 'sender', to: 'worker', type: 'event', tenantId: 'tenant-a', payload: { i } });

test('while Redis is down the queue is bounded: past it sends settle E_UNAVAILABLE at once, queued ones after the wait; what is queued when Redis returns is delivered', needsRedis, async () => {
  const options = fastOptions(server.url, 'outage', { maxQueued: 5, unavailableTimeoutMs: 1_500, registryTtlMs: 20_000 });
  const consumer = new RedisTransport(options);
  const sender = new RedisTransport(options);
  await consumer.start();
  await sender.start();
  const handled = new Set<string>();
  await consumer.registerLocal({ id: 'worker', tenantId: 'tenant-a', handler: (m) => void handled.add(m.id) });
  await sender.refreshRegistry();

  server.kill();
  await until(() => !sender.connected, 5_000, 'connection seen down');
  const began = Date.now();
  const outcomes = Array.from({ length: 8 }, (_, i) => sender.deliver(message(i), { fireAndForget: true }));
  const early = await Promise.race([Promise.all(outcomes.slice(5)), new Promise((resolve) => setTimeout(() => resolve('waiting'), 100))]);
  assert.notEqual(early, 'waiting', 'past the bound: settled at once');
  for (const o of early as Awaited<(typeof outcomes)[number]>[]) assert.equal(o.status === 'failed' && o.code, 'E_UNAVAILABLE');
  const queued = await Promise.all(outcomes.slice(0, 5));
  assert.ok(Date.now() - began >= 1_400, 'queued sends waited for Redis');
  for (const o of queued) assert.equal(o.status === 'failed' && o.code, 'E_UNAVAILABLE');

  // Redis returns while sends wait: they go out, and are delivered.
  const waiting = [100, 101, 102].map((i) => sender.deliver(message(i)));
  await server.restart();
  const settled = await Promise.all(waiting);
  assert.deepEqual(settled.map((o) => o.status), ['delivered', 'delivered', 'delivered']);
  assert.equal(handled.size, 3, 'nothing that settled E_UNAVAILABLE was written');
  await sender.close();
  await consumer.close();
});

test('reconnect backoff doubles up to its ceiling, with jitter in the upper half', () => {
  for (let retries = 0; retries < 30; retries++) {
    const ceiling = Math.min(2_000, 50 * 2 ** retries);
    for (let k = 0; k < 20; k++) {
      const delay = reconnectDelay(retries, 50, 2_000);
      assert.ok(delay >= ceiling / 2 - 1 && delay <= ceiling + 1, `${retries}: ${delay}`);
    }
  }
});
