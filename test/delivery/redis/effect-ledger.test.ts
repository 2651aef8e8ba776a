import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RedisConnection } from '../../../src/delivery/redis/connection.ts';
import { EffectLedger } from '../../../src/delivery/redis/effect-ledger.ts';
import { CONSUMER_GROUP, KeyLayout } from '../../../src/delivery/redis/keys.ts';
import { TurnBatcher } from '../../../src/delivery/redis/turn-batcher.ts';
import { needsRedis, startRedisServer, type RedisServer } from './redis-server.ts';

let server: RedisServer;
let connection: RedisConnection;

before(async () => {
  if (needsRedis.skip !== false) return;
  server = await startRedisServer();
  connection = new RedisConnection({ url: server.url, commandTimeoutMs: 2_000, reconnectBaseMs: 50, reconnectMaxMs: 200, maxQueued: 1_000, name: 'ledger-test' });
  await connection.connect();
});
after(async () => {
  await connection?.close();
  await server?.stop();
});

test('one script leases a whole batch: run for new ids, busy for a live lease, the outcome for a finished one; one script records every outcome and acks every entry', needsRedis, async () => {
  const keys = new KeyLayout('ledger');
  const batcher = new TurnBatcher(connection);
  const here = new EffectLedger(keys, 'node-a', 5_000, 60_000);
  const there = new EffectLedger(keys, 'node-b', 5_000, 60_000);
  const inbox = keys.inbox('agent');
  await connection.send(['XGROUP', 'CREATE', inbox, CONSUMER_GROUP, '0', 'MKSTREAM']);
  const entryIds: string[] = [];
  for (let i = 0; i < 3; i++) entryIds.push(String(await connection.send(['XADD', inbox, '*', 'm', String(i)])));
  await connection.send(['XREADGROUP', 'GROUP', CONSUMER_GROUP, 'node-a', 'COUNT', '10', 'STREAMS', inbox, '>']);
  await connection.send(['HSET', keys.failures('agent'), entryIds[2]!, 'an earlier failure']);

  const first = here.beginResults(await batcher.runScript(here.beginBatchCommand('agent', ['m0', 'm1', 'm2']), here.beginScript), 3);
  assert.deepEqual(first, [{ kind: 'run' }, { kind: 'run' }, { kind: 'run' }]);
  const contested = there.beginResults(await batcher.runScript(there.beginBatchCommand('agent', ['m0', 'm3']), there.beginScript), 2);
  assert.deepEqual(contested, [{ kind: 'busy', holder: 'node-a' }, { kind: 'run' }]);

  const finished = [
    { messageId: 'm0', entryId: entryIds[0]!, outcome: { ok: true as const }, redelivered: false },
    { messageId: 'm1', entryId: entryIds[1]!, outcome: { ok: false as const, code: 'E_HANDLER', reason: 'no' }, redelivered: false },
    { messageId: 'm2', entryId: entryIds[2]!, outcome: { ok: true as const }, redelivered: true },
  ];
  const acked = await batcher.runScript(here.finishBatchCommand('agent', finished), here.finishScript);
  assert.equal(acked, 3, 'one XACK for the three entries');
  assert.equal(Number(((await connection.send(['XPENDING', inbox, CONSUMER_GROUP])) as unknown[])[0]), 0);
  assert.equal(await connection.send(['HGET', keys.failures('agent'), entryIds[2]!]), null, 'a redelivered entry leaves no failure behind');
  const again = there.beginResults(await batcher.runScript(there.beginBatchCommand('agent', ['m0', 'm1']), there.beginScript), 2);
  assert.deepEqual(again, [{ kind: 'done', outcome: { ok: true } }, { kind: 'done', outcome: { ok: false, code: 'E_HANDLER', reason: 'no' } }]);
  const ttl = Number(await connection.send(['PTTL', keys.effect('agent', 'm0')]));
  assert.ok(ttl > 5_000 && ttl <= 60_000, `the outcome is kept for the dedupe window, not the lease (${ttl} ms)`);
});

test('a server that lost its script cache (SCRIPT FLUSH, a restart) is sent the script again: the batch still leases', needsRedis, async () => {
  const keys = new KeyLayout('flushed');
  const ledger = new EffectLedger(keys, 'node-a', 5_000, 60_000);
  const batcher = new TurnBatcher(connection);
  await batcher.runScript(ledger.beginBatchCommand('agent', ['x']), ledger.beginScript);
  await connection.send(['SCRIPT', 'FLUSH']);
  assert.deepEqual(await connection.send(['SCRIPT', 'EXISTS', ledger.beginScript.sha]), [0]);
  const results = ledger.beginResults(await batcher.runScript(ledger.beginBatchCommand('agent', ['y']), ledger.beginScript), 1);
  assert.deepEqual(results, [{ kind: 'run' }]);
  assert.deepEqual(await connection.send(['SCRIPT', 'EXISTS', ledger.beginScript.sha]), [1]);
});
