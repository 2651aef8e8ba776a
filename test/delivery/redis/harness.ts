import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@redis/client';
import type { RedisTransportOptions } from '../../../src/delivery/redis/options.ts';

const AGENT_PROCESS = fileURLToPath(new URL('./fixtures/agent-process.ts', import.meta.url));

/** Short timings so failures are detected and recovered within a test's few seconds. */
export function fastOptions(url: string, keyPrefix: string, overrides: Partial<RedisTransportOptions> = {}): RedisTransportOptions {
  return { url, keyPrefix, claimIdleMs: 500, claimIntervalMs: 100, commandTimeoutMs: 300, blockMs: 200, heartbeatMs: 100, registryTtlMs: 2_000, reconnectMaxMs: 200, ...overrides };
}

export async function until(condition: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`${what}: not met within ${ms} ms`);
    await sleep(20);
  }
}

/** A child process running fixtures/agent-process.ts through tsx; its stdout lines are collected. */
export interface AgentProcess {
  readonly child: ChildProcess;
  readonly lines: string[];
  waitFor(predicate: (lines: readonly string[]) => boolean, ms?: number): Promise<void>;
  readonly exited: Promise<void>;
  kill9(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export function spawnAgentProcess(config: object): AgentProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', AGENT_PROCESS], {
    env: { ...process.env, AGENT_PROCESS: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const lines: string[] = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const parts = text.split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    lines,
    exited,
    async waitFor(predicate, ms = 20_000) {
      await until(() => predicate(lines) || child.exitCode !== null, ms, 'child process output');
      if (!predicate(lines)) throw new Error(`child exited (${child.exitCode}) before its expected output`);
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },

  };
}

/** Message ids in an effects file, one per line (each line is one handler effect). */
export function effects(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((line) => line.length > 0);
}

export function duplicates(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice: string[] = [];
  for (const id of ids) {
    if (seen.has(id)) twice.push(id);
    seen.add(id);
  }
  return twice;
}

/** A plain node-redis client for the tests' own looks at the server. */
export async function rawClient(url: string) {
  const client = createClient({ url, RESP: 2 });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** The message ids of every entry in a stream. */
export async function messageIdsInStream(url: string, key: string): Promise<string[]> {
  const client = await rawClient(url);
  try {
    const entries = (await client.sendCommand(['XRANGE', key, '-', '+'])) as [string, string[]][];
    return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('m') + 1]!).id as string);
  } finally {
    await client.close();
  }
}

/** Pending entries of the `deliver` group on a stream. */
export async function pendingCount(url: string, key: string): Promise<number> {
  const client = await rawClient(url);
  try {
    const summary = (await client.sendCommand(['XPENDING', key, 'deliver'])) as [number, ...unknown[]];
    return Number(summary[0]);
  } finally {
    await client.close();
  }
}
