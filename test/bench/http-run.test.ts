import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { writeHttpCharts, type HttpBenchReport, type HttpBenchRow } from '../../bench/http/run.ts';

function row(target: HttpBenchRow['target'], load: HttpBenchRow['load'], p99Us: number): HttpBenchRow {
  const distribution = load === 'max' ? [] : [{ percentile: 50, micros: 1_000 }, { percentile: 99, micros: p99Us }, { percentile: 100, micros: p99Us * 2 }];
  return { target, load, rps: 1, p50Ms: 1, p99Ms: p99Us / 1000, maxMs: 1, non2xx: 0, errors: 0, overloaded: false, generatorCores: null, distribution };
}

test('the HTTP bench draws one latency-by-percentile chart per fixed rate, both targets on it', () => {
  const report: HttpBenchReport = {
    settings: { durationS: 1, warmupS: 1, connections: 1, rates: [1000, 9000], repeat: 3 },
    rows: [row('fastify', 'max', 0), row('fastify+agentbus', 'max', 0), row('fastify', 1000, 2_000), row('fastify+agentbus', 1000, 3_000), row('fastify', 9000, 4_000), row('fastify+agentbus', 9000, 7_000)],
    maxRatio: 1,
    halfMaxRate: 9000,
  };
  const dir = mkdtempSync(join(tmpdir(), 'http-charts-'));
  const files = writeHttpCharts(report, dir);
  assert.deepEqual(files.map((f) => basename(f)), ['latency-http-1000.svg', 'latency-http-9000.svg'], 'one per fixed rate, none for the maximum');
  const half = readFileSync(files[1]!, 'utf8');
  assert.match(half, /^<svg /);
  assert.match(half, /9,000 req\/s \(50% of the bus&#39;s maximum\)|9,000 req\/s \(50% of the bus's maximum\)/);
  assert.ok(half.includes('fastify+agentbus') && half.includes('>fastify<'), 'both targets are named');
  assert.doesNotMatch(readFileSync(files[0]!, 'utf8'), /50% of the bus/);
});
