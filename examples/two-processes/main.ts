/**
 * Agents split across two Node processes, exchanging messages through one redis-server.
 *
 *   npm run example:two-processes          (starts its own redis-server; or set REDIS_URL to use yours)
 *
 * This process starts redis-server, then two children, each with its own bus (createAgentBus with the Redis
 * transport): `planner.ts` (agent `planner`) and `worker.ts` (agents `worker-1`, `worker-2`). Every message
 * is judged by the sending process's bus (hash, tenant, the bundled policy) before it enters Redis. The
 * planner sends tasks to the workers and waits for each remote handler to settle; the workers answer with
 * fire-and-forget results.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startRedisServer } from '../../bench/redis/redis-server.ts';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

const server = process.env.REDIS_URL === undefined ? await startRedisServer() : undefined;
const url = process.env.REDIS_URL ?? server!.url;
console.log(`redis: ${url}${server ? ' (started for this example)' : ''}`);

function run(name: string, file: string): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', here(file)], { env: { ...process.env, REDIS_URL: url }, stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.length > 0) console.log(`[${name} pid ${child.pid}] ${line}`);
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
}

let code = 1;
try {
  // The worker process registers its agents first; the planner waits until it sees them in the registry.
  const codes = await Promise.all([run('worker', './worker.ts'), run('planner', './planner.ts')]);
  code = codes.every((c) => c === 0) ? 0 : 1;
} finally {
  await server?.stop();
}
console.log(code === 0 ? 'both processes finished' : 'a process failed');
process.exit(code);
