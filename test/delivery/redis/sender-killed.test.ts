import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisTransport } from '../../../src/delivery/redis/transport.ts';
import { KeyLayout } from '../../../src/delivery/redis/keys.ts';
import { effects, fastOptions, messageIdsInStream, spawnAgentProcess, until } from './harness.ts';
import { needsRedis, startRedisServer, type RedisServer } from './redis-server.ts';

let server: RedisServer;
const dir = mkdtempSync(join(tmpdir(), 'agentbus-sender-'));
before(async () => {
  if (needsRedis.skip === false) server = await startRedisServer();
});
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
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

  // The sender SIGKILLs itself the moment its 500th acceptance is recorded: later batches are being written then.
  const acceptedFile = join(dir, 'accepted');
  // Generous deadlines: this test is about the kill, not about timeouts on a loaded machine.
  const sender = spawnAgentProcess({ role: 'sender', transport: fastOptions(server.url, prefix, { commandTimeoutMs: 2_000, claimIdleMs: 3_000 }), agentId: 'worker', count: 5_000, acceptedFile, dieAfterAccepted: 500 });
  await sender.exited;
  assert.equal(sender.child.signalCode, 'SIGKILL', 'killed mid-batch, before it finished');
  const accepted = effects(acceptedFile);
  assert.equal(accepted.length, 500);

  const inStream = new Set(await messageIdsInStream(server.url, new KeyLayout(prefix).inbox('worker')));
  assert.deepEqual(accepted.filter((id) => !inStream.has(id)), [], 'every accepted message is in the stream');
  release();
  await until(() => accepted.every((id) => effectCount.has(id)), 15_000, 'every accepted message handled');
  await sleep(700);
  assert.deepEqual([...effectCount.values()].filter((n) => n !== 1), [], 'each effect once');
  await consumer.close();
});
