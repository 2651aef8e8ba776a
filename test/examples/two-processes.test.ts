// The two-process example as README runs it: one command, its own redis-server, two processes with a bus each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { needsRedis } from '../delivery/redis/redis-server.ts';

const ROOT = join(import.meta.dirname, '../..');

test('examples/two-processes: governed messages between two processes through one redis-server, from one command', needsRedis, async () => {
  const env = { ...process.env };
  delete env.REDIS_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'examples/two-processes/main.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  assert.equal(code, 0, output);
  assert.match(output, /cross-tenant send: rejected E_TENANT/);
  assert.match(output, /audit_log to a worker: rejected E_POLICY_DENIED/);
  assert.match(output, /task sends settled: delivered, delivered, delivered, delivered, delivered, delivered/);
  assert.match(output, /collected 6 results, total 63/);
  assert.match(output, /both processes finished/);
});
