import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RedisConnection } from '../../../src/delivery/redis/connection.ts';
import { RedisTransport } from '../../../src/delivery/redis/transport.ts';
import { createMessage } from '../../../src/model/message.ts';
import { fastOptions, rawClient, until } from './harness.ts';
import { needsRedis, startRedisServer, type RedisServer } from './redis-server.ts';

let server: RedisServer;
before(async () => {
  if (needsRedis.skip === false) server = await startRedisServer();
});
after(async () => {
  await server?.stop();
});

/**
 * Counts the commands the transports hand to Redis, by name, from the moment it is called: every command goes
 * through RedisConnection's send, sendBlocking or pipeline (Redis's own commandstats would also count the
 * calls scripts make inside the server).
 */
function countCommands(): { calls: Map<string, number>; restore(): void } {
  const calls = new Map<string, number>();
  const count = (command: readonly string[]) => calls.set(command[0]!, (calls.get(command[0]!) ?? 0) + 1);
  const proto = RedisConnection.prototype;
  const original = { send: proto.send, sendBlocking: proto.sendBlocking, pipeline: proto.pipeline };
  proto.send = function (this: RedisConnection, command, extraMs) {
    count(command);
    return original.send.call(this, command, extraMs);
  };
  proto.sendBlocking = function (this: RedisConnection, command) {
    count(command);
    return original.sendBlocking.call(this, command);
  };
  proto.pipeline = function (this: RedisConnection, commands) {
    for (const command of commands) count(command);
    return original.pipeline.call(this, commands);
  };
  return { calls, restore: () => Object.assign(proto, original) };
}

test('a read batch costs the consumer one lease script and one record-and-ack script, not commands per message; each message handled once', needsRedis, async () => {
  const total = 400;
  // A command past its deadline is sent again (outcome unknown), one more script call: the counts below are of
  // the path without timeouts, so the deadline is long enough that a loaded machine does not reach it (the
  // redis-stall tests cover deadlines).
  const options = fastOptions(server.url, 'batched', { heartbeatMs: 1_000, registryTtlMs: 5_000, claimIntervalMs: 5_000, claimIdleMs: 10_000, commandTimeoutMs: 5_000 });
  const consumer = new RedisTransport(options);
  const sender = new RedisTransport(options);
  await Promise.all([consumer.start(), sender.start()]);
  const handled = new Map<string, number>();
  let counter: ReturnType<typeof countCommands> | undefined;
  try {
    await consumer.registerLocal({ id: 'worker', tenantId: 'tenant-a', handler: (m) => void handled.set(m.id, (handled.get(m.id) ?? 0) + 1) });
    await sender.refreshRegistry();
    counter = countCommands();
    const outcomes = await Promise.all(
      Array.from({ length: total }, (_, i) => sender.deliver(createMessage({ from: 'sender', to: 'worker', type: 'event', tenantId: 'tenant-a', payload: { i } }), { fireAndForget: true })),
    );
    assert.ok(outcomes.every((o) => o.status === 'accepted'));
    await until(() => handled.size === total, 15_000, 'every message handled');
    await until(async () => {
      const client = await rawClient(server.url);
      try {
        return Number(((await client.sendCommand(['XPENDING', 'batched:{a:worker}:in', 'deliver'])) as unknown[])[0]) === 0;
      } finally {
        await client.close();
      }
    }, 10_000, 'every entry acknowledged');
    counter.restore();
    const { calls } = counter;
    const reads = calls.get('XREADGROUP') ?? 0;
    // Every script call goes out as EVALSHA; one the server answers NOSCRIPT (the scripts load on first use, so
    // every batch in flight before that gets it) is sent again as EVAL.
    const scriptCalls = calls.get('EVALSHA') ?? 0;
    const resent = calls.get('EVAL') ?? 0;
    const scripts = scriptCalls + resent;
    assert.equal(calls.get('XADD'), total, 'the sender: one XADD per message (fire-and-forget: no replies)');
    assert.equal(calls.get('SET') ?? 0, 0, 'no SET per message: outcomes are recorded inside the script');
    assert.equal(calls.get('XACK') ?? 0, 0, 'no XACK per message: acks are inside the script');
    assert.ok(scriptCalls <= 2 * reads, `${scriptCalls} script calls for ${reads} reads`);
    assert.ok(resent <= scriptCalls, `${resent} EVAL for ${scriptCalls} EVALSHA: only calls answered NOSCRIPT are sent again`);
    assert.ok(scripts <= total / 10, `${scripts} script calls for ${total} messages`);
    assert.deepEqual([...handled.values()].filter((n) => n !== 1), [], 'each handler ran once');
  } finally {
    counter?.restore();
    await Promise.all([consumer.close(), sender.close()]);
  }
});
