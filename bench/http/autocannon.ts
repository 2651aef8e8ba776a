import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { runJsonChild } from './json-child.ts';

/** What one autocannon run reports (its --json output, the fields the bench reads). */
export interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}

/** A closed loop: `connections` requests in flight, each sent when the previous answer on its connection came. */
export interface ClosedLoadSpec {
  url: string;
  body: string;
  durationS: number;
  connections: number;
}

const require = createRequire(import.meta.url);
const AUTOCANNON_BIN = join(dirname(require.resolve('autocannon/package.json')), 'autocannon.js');

/**
 * Runs autocannon's own CLI in its own process, as fast as the server answers, and returns its JSON report
 * (fixed rates are paced-load.ts's). Bounded: autocannon stops after `durationS`, and the child is killed if
 * it runs three times longer.
 */
export function runAutocannon(spec: ClosedLoadSpec): Promise<AutocannonResult> {
  const args = [
    AUTOCANNON_BIN, '--json', '-m', 'POST', '-H', 'content-type=application/json', '-b', spec.body,
    '-c', String(spec.connections), '-d', String(spec.durationS), spec.url,
  ];
  return runJsonChild<AutocannonResult>('autocannon', args, (spec.durationS * 3 + 30) * 1000);
}
