import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisTransport } from '../../../src/delivery/redis/transport.ts';
import { KeyLayout } from '../../../src/delivery/redis/keys.ts';
import { fastOptions, messageIdsInStream, spawnAgentProcess, until } from './harness.ts';
import { needsRedis, startRedisServer, type RedisServer } from './redis-server.ts';

let server: RedisServer;
before(async () => {
  if (needsRedis.skip === false) server = await startRedisServer();
});
after(async () => {
  await server?.stop();
});

test('a sender process killed -9 mid-batch: every message it reported accepted is in the stream, and is handled once', needsRedis, async () => {
  const prefix = 'sender';
  const consumer = new RedisTransport(fastOptions(server.url, prefix));
  await consumer.start();
  const effectCount = new Map<string, number>();
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  // Handlers wait until the sender is dead, so what is checked in the stream is what the sender wrote.
  await consumer.registerLocal({ id: 'worker', tenantId: 'tenant-a', handler: async (m) => { await held; effectCount.set(m.id, (effectCount.get(m.id) ?? 0) + 1); } });

  const sender = spawnAgentProcess({ role: 'sender', transport: fastOptions(server.url, prefix), agentId: 'worker', count: 100_000 });
  await sender.waitFor((lines) => lines.filter((l) => l.startsWith('accepted ')).length >= 500);
  await sender.kill9();
  const accepted = sender.lines.filter((l) => l.startsWith('accepted ')).map((l) => l.slice('accepted '.length));
  assert.ok(!sender.lines.includes('done'), 'killed mid-batch, before it finished');

  const inStream = new Set(await messageIdsInStream(server.url, new KeyLayout(prefix).inbox('worker')));
  assert.deepEqual(accepted.filter((id) => !inStream.has(id)), [], 'every accepted message is in the stream');
  release();
  await until(() => accepted.every((id) => effectCount.has(id)), 15_000, 'every accepted message handled');
  await sleep(700);
  assert.deepEqual([...effectCount.values()].filter((n) => n !== 1), [], 'each effect once');
  await consumer.close();
});
