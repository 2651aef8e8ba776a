import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private redis-server for the Redis transport's tests, bench and example: a free loopback port, AOF on
 * (appendfsync everysec) in a temp dir, killed and removed after. `restart()` kills it with SIGKILL and starts it again on the same port and
 * dir, so what its AOF kept comes back.
 */
export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  restart(): Promise<void>;
  /** SIGKILL, no restart (the port stays reserved for `restart`). */
  kill(): void;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function launch(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--protected-mode', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  live.add(child);
  child.once('exit', () => live.delete(child));
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not become ready in 10 s:\n${log}`));
    }, 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (/ready to accept connections/i.test(log)) {
        clearTimeout(timer);
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}) before it was ready:\n${log}`));
    });
  });
}

export async function startRedisServer(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'agentbus-redis-'));
  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 0; child === undefined; attempt++) {
    port = await freePort();
    try {
      child = await launch(port, dir);
    } catch (error) {
      // Another process took the probed port between the probe and the bind: try another.
      if (attempt >= 4 || !/Address already in use/i.test(String(error))) throw error;
    }
  }
  const waitExit = (c: ChildProcess) => new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve())));
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child!.pid!;
    },
    kill() {
      child!.kill('SIGKILL');
    },
    async restart() {
      child!.kill('SIGKILL');
      await waitExit(child!);
      child = await launch(port, dir);
    },
    async stop() {
      child!.kill('SIGCONT');
      child!.kill('SIGKILL');
      await waitExit(child!);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
