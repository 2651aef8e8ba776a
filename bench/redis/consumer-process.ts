/**
 * A consumer process for bench/redis/run.ts, configured by BENCH_REDIS (JSON), driven over IPC:
 * - mode 'raw': plain node-redis, XREADGROUP COUNT 100 BLOCK, JSON.parse per entry, one XACK per batch.
 * - mode 'transport': RedisTransport serving the bench agent (the same group and batching, plus the effect
 *   ledger, the reply path when asked, and the registry).
 * - mode 'bus': a bus (createAgentBus with the Redis transport) serving the bench agent, as a user runs it.
 * Each message carries its send time `t` (ms, performance.timeOrigin + now(): one clock for all processes on
 * the machine); the consumer records one-way latency in an HDR histogram.
 * IPC: 'reset' clears the figures; 'report' answers {count, firstAt, lastAt, latencyUs, cpuUs (this process's
 * CPU time since the reset)}; 'stop' exits.
 */
import { createClient } from '@redis/client';
import { performance } from 'node:perf_hooks';
import { RedisTransport } from '../../src/delivery/redis/transport.ts';
import { createAgentBus } from '../../src/index.ts';
import { LatencyHistogram } from '../../src/metrics/histogram.ts';

interface Config {
  mode: 'raw' | 'transport' | 'bus';
  url: string;
  prefix: string;
  consumer: string;
}

const config = JSON.parse(process.env.BENCH_REDIS ?? '{}') as Config;
const now = () => performance.timeOrigin + performance.now();
const histogram = new LatencyHistogram();
let count = 0;
let cpuAtReset = process.cpuUsage();
let firstAt = 0;
let lastAt = 0;

function record(sentAt: number): void {
  const at = now();
  if (count === 0) firstAt = at;
  lastAt = at;
  count++;
  histogram.record((at - sentAt) * 1000);
}

let stopping = false;
let close: () => Promise<void> = async () => {};

if (config.mode === 'raw') {
  const client = createClient({ url: config.url, RESP: 2 });
  await client.connect();
  const key = `${config.prefix}:raw`;
  try {
    await client.sendCommand(['XGROUP', 'CREATE', key, 'g', '0', 'MKSTREAM']);
  } catch {
    // BUSYGROUP: another consumer process made it
  }
  const loop = (async () => {
    while (!stopping) {
      const reply = (await client.sendCommand(['XREADGROUP', 'GROUP', 'g', config.consumer, 'COUNT', '100', 'BLOCK', '100', 'STREAMS', key, '>'])) as
        | [string, [string, string[]][]][]
        | null;
      if (reply === null) continue;
      const ids: string[] = [];
      for (const [, entries] of reply) {
        for (const [id, fields] of entries) {
          ids.push(id);
          record((JSON.parse(fields[1]!) as { t: number }).t);
        }
      }
      await client.sendCommand(['XACK', key, 'g', ...ids]);
    }
  })();
  close = async () => {
    stopping = true;
    await loop.catch(() => {});
    client.destroy();
  };
} else if (config.mode === 'bus') {
  const bus = await createAgentBus({ deliberation: false, log: () => {}, transport: { kind: 'redis', url: config.url, keyPrefix: config.prefix, nodeId: config.consumer } });
  await bus.registerAgentAsync({ id: 'bench-agent', tenantId: 'bench', handler: (message) => record((message.payload as { t: number }).t) });
  close = () => bus.close();
} else {
  const transport = new RedisTransport({ url: config.url, keyPrefix: config.prefix, nodeId: config.consumer });
  await transport.start();
  await transport.registerLocal({
    id: 'bench-agent',
    tenantId: 'bench',
    handler: (message) => record((message.payload as { t: number }).t),
  });
  close = () => transport.close();
}

process.on('message', async (command: string) => {
  if (command === 'reset') {
    count = 0;
    histogram.reset();
    cpuAtReset = process.cpuUsage();
    process.send!('reset');
  } else if (command === 'report') {
    const cpu = process.cpuUsage(cpuAtReset);
    process.send!({ count, firstAt, lastAt, latencyUs: histogram.summary(), cpuUs: cpu.user + cpu.system });
  } else if (command === 'stop') {
    await close();
    process.exit(0);
  }
});
process.send!('ready');
