import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, medianResult } from '../../bench/load/median.ts';
import { openRatesWith, rotation } from '../../bench/load.ts';
import { writeBenchmarks } from '../../bench/run.ts';
import { formatMicros, markdownTable, textTable } from '../../bench/report/format.ts';
import { benchmarksMarkdown } from '../../bench/report/markdown.ts';
import { checkTargets, closedLoopRatios } from '../../bench/report/ratios.ts';
import { resultSections, textReport } from '../../bench/report/table.ts';
import { result, sampleReport } from './fixtures.ts';

test('rotation: each repetition starts with the next peer', () => {
  assert.deepEqual(rotation(['a', 'b', 'c'], 0), ['a', 'b', 'c']);
  assert.deepEqual(rotation(['a', 'b', 'c'], 1), ['b', 'c', 'a']);
  assert.deepEqual(rotation(['a', 'b', 'c'], 5), ['c', 'a', 'b']);
});

test('open-loop rates: 80% of the max is added, rounded, sorted; a fixed rate within 5% stands for it', () => {
  assert.deepEqual(openRatesWith([100_000, 10_000], 300_400), { rates: [10_000, 100_000, 150_000, 240_000], half: 150_000, eighty: 240_000 });
  assert.deepEqual(openRatesWith([10_000, 100_000], 126_000), { rates: [10_000, 63_000, 100_000], half: 63_000, eighty: 100_000 });
  assert.deepEqual(openRatesWith([50_000], 0), { rates: [50_000], half: null, eighty: null });
});

test('median of repetitions, figure by figure; overloaded by majority; distribution of the median-P99 run', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  const runs = [
    result('agentbus', 'open', 1000, 900, 5000, { overloaded: true }),
    result('agentbus', 'open', 1000, 1000, 1000),
    result('agentbus', 'open', 1000, 1000, 2000, { overloaded: true }),
  ];
  const m = medianResult(runs);
  assert.equal(m.rps, 1000);
  assert.equal(m.p99Us, 2000);
  assert.equal(m.overloaded, true);
  assert.equal(m.repetitions, 3);
  assert.deepEqual(m.distribution, runs[2]!.distribution);
});

test('dispatch designs are compared with the bus running their pipeline; the default bus has its own targets', () => {
  const report = sampleReport();
  const ratios = closedLoopRatios(report.results);
  assert.deepEqual(ratios.map((r) => r.peer), ['inline', 'piscina-per-message', 'piscina-batched', 'ring-empty'], 'not the default bus (audited or not), not noop');
  assert.equal(ratios.find((r) => r.peer === 'piscina-per-message')!.throughput, 30);
  assert.equal(ratios.find((r) => r.peer === 'inline')!.p99, 2);
  const targets = checkTargets(report.results, 240_000, 'full', 150_000);
  assert.equal(targets.length, 11);
  assert.match(targets[0]!.description, /default bus \(agentbus\) closed loop: ≥ 150,000 msgs\/s/);
  assert.match(targets[1]!.measured, /^0\.93×$/);
  assert.match(targets[4]!.description, /agentbus-no-deliberation closed loop, full pipeline: ≥ 200,000 msgs\/s/);
  assert.deepEqual(targets.map((t) => t.met), [true, true, true, true, true, true, true, true, true, true, true]);
  // The audit trail's cost: 260k against 280k is 0.93×, within 10%; 240k (0.86×) is not.
  assert.deepEqual([targets[10]!.description, targets[10]!.measured], ['audit on (agentbus-audit) ≥ 0.9× agentbus msgs/s, same run', '0.93×']);
  const auditSlow = report.results.map((r) => (r.name === 'agentbus-audit' && r.mode === 'closed' ? { ...r, rps: 240_000 } : r));
  assert.equal(checkTargets(auditSlow, 240_000, 'full', 150_000)[10]!.met, false);
  assert.equal(checkTargets(report.results.filter((r) => r.name !== 'agentbus-audit'), 240_000, 'full', 150_000)[10]!.met, null);
  // An error in an open-loop row of the default bus up to 80% of its max misses the no-error target.
  const withError = report.results.map((r) => (r.name === 'agentbus' && r.rateTarget === 100_000 ? { ...r, errors: 1 } : r));
  assert.equal(checkTargets(withError, 240_000, 'full', 150_000)[3]!.met, false);
  // Too slow relative to the bus without deliberation.
  const slow = report.results.map((r) => (r.name === 'agentbus' && r.mode === 'closed' ? { ...r, rps: 200_000 } : r));
  assert.equal(checkTargets(slow, 240_000, 'full', 150_000)[1]!.met, false);
  const missing = checkTargets(report.results.filter((r) => r.name !== 'ring-empty'), null, 'full');
  assert.equal(missing[2]!.met, null);
  assert.equal(missing[6]!.met, null);
  // Validation-only has its own bar, and a P99 to meet as well as a rate.
  const validation = checkTargets(report.results, 240_000, 'validation')[0]!;
  assert.match(validation.description, /≥ 300,000 msgs\/s, P99 < 5.00 ms/);
  assert.equal(validation.met, report.results.find((r) => r.name === 'agentbus-no-deliberation' && r.mode === 'closed')!.rps >= 300_000);
  assert.equal(checkTargets(report.results, null, 'empty').length, 6);
});

test('tables: text columns line up, Markdown escapes pipes', () => {
  const text = textTable(['name', 'n'], [['a', '1'], ['long name', '1,000']]);
  const lines = text.split('\n');
  assert.equal(lines.length, 4);
  assert.ok(lines[3]!.endsWith('1,000'));
  assert.equal(lines[2]!.indexOf('1'), lines[3]!.indexOf('1,000') + 4);
  assert.equal(markdownTable(['a|b', 'n'], [['x', '1']]), '| a\\|b | n |\n| --- | ---: |\n| x | 1 |');
  assert.equal(formatMicros(950), '950 µs');
  assert.equal(formatMicros(2500), '2.50 ms');
});

test('sections: closed loop first, then each open-loop rate ascending, one row per peer', () => {
  const sections = resultSections(sampleReport().results, 512);
  assert.deepEqual(sections.map((s) => s.key), ['closed', 'open-100000', 'open-150000', 'open-240000']);
  assert.ok(sections.every((s) => s.results.length === 8));
});

test('the text report has every section, the ratios, the targets and the micro table with claims', () => {
  const text = textReport(sampleReport());
  for (const needle of ['Closed loop', 'Open loop at 100k/s', 'Open loop at 240k/s', 'against the bus running the same pipeline', 'Targets', '292 (claim)', 'skipped: Z3', 'overloaded', 'denied', 'main busy']) {
    assert.ok(text.includes(needle), `missing ${needle}`);
  }
});

test('BENCHMARKS.md: machine, command, tables, ratios, charts, how to read it', () => {
  const md = benchmarksMarkdown(sampleReport(), { closed: 'bench/charts/closed.svg', 'open-100000': 'bench/charts/open.svg' });
  for (const needle of ['# agentbus benchmarks', 'Test CPU <&>', 'v20.0.0', 'abc1234', '`agentbus bench --write`', '## Targets', 'against the bus running the same pipeline', '150,000/s stands for 50%', '![Latency by percentile, closed loop](bench/charts/closed.svg)', '](bench/charts/open.svg)', '## How to read this', '## Micro-benchmarks', '292 (claim)']) {
    assert.ok(md.includes(needle), `missing ${needle}`);
  }
});

test('--write puts one chart per load next to BENCHMARKS.md and links them relatively', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentbus-bench-'));
  // A stale chart of this bench goes; the HTTP bench's chart (another command's) stays.
  mkdirSync(join(dir, 'bench', 'charts'), { recursive: true });
  writeFileSync(join(dir, 'bench', 'charts', 'latency-full-open-7000.svg'), '<svg/>');
  writeFileSync(join(dir, 'bench', 'charts', 'latency-http-9000.svg'), '<svg/>');
  const written = writeBenchmarks(sampleReport(), join(dir, 'BENCHMARKS.md'), join(dir, 'bench', 'charts'));
  assert.equal(written.length, 5);
  assert.deepEqual(readdirSync(join(dir, 'bench', 'charts')).sort(), ['latency-full-closed.svg', 'latency-full-open-100000.svg', 'latency-full-open-150000.svg', 'latency-full-open-240000.svg', 'latency-http-9000.svg']);
  const md = readFileSync(join(dir, 'BENCHMARKS.md'), 'utf8');
  assert.ok(md.includes('](bench/charts/latency-full-closed.svg)'));
});
