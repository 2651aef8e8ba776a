import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** What one autocannon run reports (its --json output, the fields the bench reads). */
export interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}

export interface LoadSpec {
  url: string;
  body: string;
  durationS: number;
  connections: number;
  /** Requests per second over all connections; undefined: as fast as the server answers. */
  rate?: number;
}

const require = createRequire(import.meta.url);
const AUTOCANNON_BIN = join(dirname(require.resolve('autocannon/package.json')), 'autocannon.js');

/**
 * Runs autocannon's own CLI in its own process (so the load generator never shares an event loop with the
 * bench or the server) and returns its JSON report. Bounded: autocannon stops after `durationS`, and the
 * child is killed if it runs three times longer.
 */
export function runAutocannon(spec: LoadSpec): Promise<AutocannonResult> {
  const args = [
    AUTOCANNON_BIN, '--json', '-m', 'POST', '-H', 'content-type=application/json', '-b', spec.body,
    '-c', String(spec.connections), '-d', String(spec.durationS),
    ...(spec.rate === undefined ? [] : ['-R', String(Math.round(spec.rate))]),
    spec.url,
  ];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { timeout: (spec.durationS * 3 + 30) * 1000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`autocannon failed: ${error.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout) as AutocannonResult);
      } catch {
        reject(new Error(`autocannon printed no JSON: ${stdout.slice(0, 500)}\n${stderr}`));
      }
    });
  });
}
