import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ninesOf, percentileChartSvg } from '../../bench/report/svg-chart.ts';

const series = [
  { name: 'agentbus', points: [{ percentile: 0, micros: 8 }, { percentile: 50, micros: 40 }, { percentile: 99, micros: 900 }, { percentile: 99.99, micros: 4000 }, { percentile: 100, micros: 5000 }] },
  { name: 'piscina <per-message> & co', points: [{ percentile: 0, micros: 60 }, { percentile: 90, micros: 20_000 }, { percentile: 100, micros: 300_000 }] },
  { name: 'inline', points: [{ percentile: 0, micros: 1 }, { percentile: 100, micros: 100 }] },
];

/** A small well-formedness check: every tag closes, in order, and no raw `&` or `<` leaks into text. */
function assertWellFormed(svg: string): void {
  const stack: string[] = [];
  for (const match of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = match;
    if (selfClosing) continue;
    if (closing) assert.equal(stack.pop(), name, `</${name}> closes the open tag`);
    else stack.push(name!);
  }
  assert.deepEqual(stack, []);
  const text = svg.replace(/<[^>]*>/g, '');
  assert.ok(!/&(?!amp;|lt;|gt;|quot;)/.test(text), 'no raw ampersand');
  assert.ok(!/</.test(text), 'no raw <');
}

test('the percentile axis counts nines: 0 → 0, 90 → 1, 99 → 2, 99.9 → 3, capped at 99.999', () => {
  assert.equal(ninesOf(0), 0);
  assert.ok(Math.abs(ninesOf(90) - 1) < 1e-9);
  assert.ok(Math.abs(ninesOf(99) - 2) < 1e-9);
  assert.ok(Math.abs(ninesOf(99.9) - 3) < 1e-9);
  assert.equal(ninesOf(99.9999), 5);
  assert.equal(ninesOf(100), 5);
});

test('the chart is well-formed SVG with one line and one legend entry per series', () => {
  const svg = percentileChartSvg({ title: 'Latency: open loop at 100k/s', subtitle: 'full pipeline', series });
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  assertWellFormed(svg);
  assert.equal(svg.match(/<polyline /g)!.length, series.length);
  assert.ok(svg.includes('data-series="piscina &lt;per-message&gt; &amp; co"'));
  for (const tick of ['>90<', '>99<', '>99.9<', '>99.99<', '>99.999<']) assert.ok(svg.includes(tick), `tick ${tick}`);
  for (const label of ['1 µs', '1 ms', '100 ms', '1 s']) assert.ok(svg.includes(`>${label}<`), `latency label ${label}`);
});

test('points are inside the plot and latency grows upward (smaller y)', () => {
  const svg = percentileChartSvg({ title: 't', series: [series[0]!] });
  const points = svg.match(/points="([^"]+)"/)![1]!.split(' ').map((p) => p.split(',').map(Number) as [number, number]);
  assert.equal(points.length, 5);
  for (const [x, y] of points) {
    assert.ok(x >= 70 && x <= 760 - 190, `x ${x}`);
    assert.ok(y >= 56 && y <= 440 - 56, `y ${y}`);
  }
  for (let i = 1; i < points.length; i++) {
    assert.ok(points[i]![0] >= points[i - 1]![0]);
    assert.ok(points[i]![1] <= points[i - 1]![1]);
  }
});

test('an empty chart still renders', () => {
  assertWellFormed(percentileChartSvg({ title: 'nothing', series: [] }));
});
