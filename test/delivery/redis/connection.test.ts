import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RedisConnection } from '../../../src/delivery/redis/connection.ts';
import { needsRedis, startRedisServer, type RedisServer } from './redis-server.ts';

let server: RedisServer;
let connection: RedisConnection;

before(async () => {
  if (needsRedis.skip !== false) return;
  server = await startRedisServer();
  connection = new RedisConnection({ url: server.url, commandTimeoutMs: 2_000, reconnectBaseMs: 50, reconnectMaxMs: 200, maxQueued: 1_000, name: 'connection-test' });
  await connection.connect();
});
after(async () => {
  await connection?.close();
  await server?.stop();
});

test('a pipeline answers every command in order; one command\'s error reply costs the others nothing', needsRedis, async () => {
  const replies = await connection.pipeline([
    ['SET', 'pipe:k', 'v'],
    ['INCR', 'pipe:k'],
    ['EVALSHA', '0000000000000000000000000000000000000000', '0'],
    ['GET', 'pipe:k'],
  ]);
  assert.equal(replies.length, 4);
  assert.equal(replies[0], 'OK');
  assert.ok(replies[1] instanceof Error && /not an integer/.test(replies[1].message));
  assert.ok(replies[2] instanceof Error && /NOSCRIPT/.test(replies[2].message));
  assert.equal(replies[3], 'v');
});
