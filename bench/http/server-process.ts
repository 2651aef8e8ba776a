import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { compiledModule } from '../compiled.ts';

/** The example service compiled, as the bench measures everything (../compiled.ts). */
const SERVER = compiledModule(new URL('../../examples/fastify-service/server.ts', import.meta.url));

export interface RunningServer {
  base: string;
  stop(): Promise<number | null>;
}

/**
 * Starts the example service in its own process on a free loopback port (`--no-bus`: the same Fastify app
 * answering without the bus) and resolves once it prints its address. Stopped with SIGTERM (its graceful
 * shutdown), SIGKILL if it does not exit within 30 s.
 */
export async function startServer(withBus: boolean, env: NodeJS.ProcessEnv = {}): Promise<RunningServer> {
  const child: ChildProcess = spawn(process.execPath, [SERVER, ...(withBus ? [] : ['--no-bus'])], {
    cwd: join(SERVER, '../../..'),
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = once(child, 'exit');
  const startTimeout = setTimeout(() => child.kill('SIGKILL'), 180_000);
  let base = '';
  for await (const line of createInterface({ input: child.stdout! })) {
    const match = /^listening on (http:\/\/\S+)/.exec(line);
    if (match) {
      base = match[1]!;
      break;
    }
  }
  clearTimeout(startTimeout);
  if (base === '') throw new Error(`the example service did not start:\n${stderr}`);
  child.stdout!.resume();
  return {
    base,
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode;
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      clearTimeout(killer);
      return code;
    },
  };
}
