import { execFile } from 'node:child_process';

/**
 * Runs `node <args>` in a process of its own (a load generator never shares an event loop with the bench or
 * the server) and resolves what it printed on stdout as JSON. Bounded: the child is killed after `timeoutMs`.
 */
export function runJsonChild<T>(what: string, args: readonly string[], timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${what} failed: ${error.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout) as T);
      } catch {
        reject(new Error(`${what} printed no JSON: ${stdout.slice(0, 500)}\n${stderr}`));
      }
    });
  });
}
