import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisTransport } from '../../../src/delivery/redis/transport.ts';
import { KeyLayout } from '../../../src/delivery/redis/keys.ts';
import { createMessage } from '../../../src/model/message.ts';
import { duplicates, effects, fastOptions, pendingCount, spawnAgentProcess, until } from './harness.ts';
import { needsRedis, startRedisServer, type RedisServer } from './redis-server.ts';

let server: RedisServer;
const dir = mkdtempSync(join(tmpdir(), 'agentbus-kill-'));
before(async () => {
  if (needsRedis.skip === false) server = await startRedisServer();
});
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a consumer process killed -9 mid-batch: another process claims its pending entries; 0 lost, each effect once', needsRedis, async () => {
  const prefix = 'kill';
  const inbox = new KeyLayout(prefix).inbox('worker');
  const effectsFile = join(dir, 'effects');
  const total = 200;
  const handledBeforeKill = 30;

  // Process A handles 30 messages, then wedges with the rest of what it read still pending: killed there.
  const a = spawnAgentProcess({ role: 'consumer', transport: fastOptions(server.url, prefix), agentId: 'worker', effectsFile, stuckAfter: handledBeforeKill });
  await a.waitFor((lines) => lines.includes('ready'));

  const sender = new RedisTransport(fastOptions(server.url, prefix));
  await sender.start();
  await sender.refreshRegistry();
  const ids: string[] = [];
  const outcomes = await Promise.all(
    Array.from({ length: total }, (_, i) => {
      const message = createMessage({ from: 'sender', to: 'worker', type: 'event', tenantId: 'tenant-a', payload: { i } });
      ids.push(message.id);
      return sender.deliver(message, { fireAndForget: true });
    }),
  );
  assert.ok(outcomes.every((o) => o.status === 'accepted'));

  // Mid-batch: A has run 30 handlers (and recorded them), and holds at least a whole read (COUNT 100) unacknowledged.
  await until(async () => effects(effectsFile).length === handledBeforeKill && (await pendingCount(server.url, inbox)) >= 100 - handledBeforeKill, 15_000, 'A mid-batch');
  const pendingAtKill = await pendingCount(server.url, inbox);
  await a.kill9();
  assert.equal(effects(effectsFile).length, handledBeforeKill);

  const b = spawnAgentProcess({ role: 'consumer', transport: fastOptions(server.url, prefix), agentId: 'worker', effectsFile });
  await b.waitFor((lines) => lines.includes('ready'));
  await until(() => new Set(effects(effectsFile)).size === total, 20_000, 'every message handled');
  await until(async () => (await pendingCount(server.url, inbox)) === 0, 5_000, 'nothing pending');
  await sleep(700); // past claimIdleMs: anything run twice would show now
  const seen = effects(effectsFile);
  assert.deepEqual(duplicates(seen), [], 'no message had its effect twice');
  assert.deepEqual(new Set(seen), new Set(ids), 'no message lost');
  assert.ok(pendingAtKill > 0, 'the kill left entries pending (the claim was exercised)');
  await b.kill9();
  await sender.close();
});
