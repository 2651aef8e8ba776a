import assert from 'node:assert/strict';

// A strict reader of the Prometheus text exposition format (0.0.4), for tests. (The npm parser tried first
// accepted malformed lines and merged labelled histograms whose `le` label comes first, as prom-client writes.)
const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_INNER = '(?:[^"\\\\\\n]|\\\\[\\\\"n])*';
const LABEL_VALUE = `"${LABEL_INNER}"`;
const LABEL_NAME = '[a-zA-Z_][a-zA-Z0-9_]*';
// Values are what Go's strconv.ParseFloat reads (Prometheus's own parser): inf, infinity and nan in any case.
const FLOAT = '(?:[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]?[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN])';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL_NAME}=${LABEL_VALUE}(?:,|(?=\\})))*)\\})? (${FLOAT})(?: -?\\d+)?$`);
const LABEL_PAIR = new RegExp(`(${LABEL_NAME})="(${LABEL_INNER})"`, 'g');
const COMMENT = new RegExp(`^# (HELP|TYPE) (${NAME})(?: (.*))?$`);
const TYPES = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

export interface Sample { name: string; labels: Record<string, string>; value: number }
export interface Family { name: string; type: string; help: string; samples: Sample[] }

function parseValue(text: string): number {
  const lower = text.toLowerCase();
  if (lower === 'nan') return NaN;
  if (/^\+?inf(inity)?$/.test(lower)) return Infinity;
  if (/^-inf(inity)?$/.test(lower)) return -Infinity;
  return Number(text);
}

/** The family a sample belongs to: its own name, or a histogram's/summary's with the suffix removed. */
function familyOf(families: Map<string, Family>, name: string): Family | undefined {
  if (families.has(name)) return families.get(name);
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const family = families.get(name.slice(0, -suffix.length));
    if (family && (family.type === 'histogram' || (family.type === 'summary' && suffix !== '_bucket'))) return family;
  }
  return undefined;
}

/**
 * Parses an exposition and checks it: every non-empty line is a HELP/TYPE comment or a sample by the
 * format's grammar; each family is typed once, before its samples; a family's samples are contiguous; every
 * histogram series has cumulative buckets ending at +Inf, equal to its `_count`, and a `_sum`.
 */
export function parsePrometheusText(text: string): Map<string, Family> {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  let current: Family | undefined;
  for (const line of text.split('\n').slice(0, -1)) {
    if (line === '') continue; // the format ignores empty lines
    if (line.startsWith('#')) {
      const comment = COMMENT.exec(line);
      if (comment === null) continue; // any other comment is allowed
      const [, kind, name, rest = ''] = comment as unknown as [string, string, string, string?];
      let family = families.get(name);
      if (family === undefined) {
        assert.ok(!closed.has(name), `${name}: its lines are contiguous`);
        family = { name, type: 'untyped', help: '', samples: [] };
        families.set(name, family);
      }
      if (kind === 'TYPE') {
        assert.ok(TYPES.includes(rest), `${name}: type ${rest}`);
        assert.equal(family.samples.length, 0, `${name}: TYPE comes before its samples`);
        family.type = rest;
      } else family.help = rest;
      if (current !== family && current !== undefined) closed.add(current.name);
      current = family;
      continue;
    }
    const match = SAMPLE.exec(line);
    assert.ok(match !== null, `not a sample line: ${JSON.stringify(line)}`);
    const [, name, labelText = '', valueText] = match as unknown as [string, string, string | undefined, string];
    const labels: Record<string, string> = {};
    for (const [, key, value] of labelText.matchAll(LABEL_PAIR)) {
      assert.ok(!(key! in labels), `${name}: label ${key} once`);
      labels[key!] = value!.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    let family = familyOf(families, name);
    if (family === undefined) {
      family = { name, type: 'untyped', help: '', samples: [] };
      families.set(name, family);
    }
    assert.ok(!closed.has(family.name), `${family.name}: its lines are contiguous`);
    if (current !== family && current !== undefined) closed.add(current.name);
    current = family;
    family.samples.push({ name, labels, value: parseValue(valueText) });
  }
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

function seriesKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).filter(([k]) => k !== 'le').sort());
}

function checkHistogram(family: Family): void {
  const series = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
  for (const sample of family.samples) {
    const key = seriesKey(sample.labels);
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (sample.name === `${family.name}_bucket`) {
      assert.ok(sample.labels.le !== undefined, `${family.name}: a bucket has le`);
      entry.buckets.push([parseValue(sample.labels.le!), sample.value]);
    } else if (sample.name === `${family.name}_sum`) entry.sum = sample.value;
    else if (sample.name === `${family.name}_count`) entry.count = sample.value;
    else assert.fail(`${sample.name} in histogram ${family.name}`);
  }
  for (const [key, { buckets, sum, count }] of series) {
    for (let i = 1; i < buckets.length; i++) {
      assert.ok(buckets[i]![0] > buckets[i - 1]![0], `${family.name}${key}: le increasing`);
      assert.ok(buckets[i]![1] >= buckets[i - 1]![1], `${family.name}${key}: buckets cumulative`);
    }
    assert.equal(buckets.at(-1)?.[0], Infinity, `${family.name}${key}: a +Inf bucket`);
    assert.equal(buckets.at(-1)?.[1], count, `${family.name}${key}: +Inf equals _count`);
    assert.ok(Number.isFinite(sum), `${family.name}${key}: a _sum`);
  }
}

/** The value of the sample named `name` (default: the family's own name) whose labels include `labels`. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const family = familyOf(families, name);
  return family?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

/** The histogram series of `name`: its buckets (le → cumulative count), sum and count, summed over series. */
export function histogramTotals(families: Map<string, Family>, name: string): { count: number; sum: number; les: number[] } {
  const family = families.get(name);
  assert.equal(family?.type, 'histogram', `${name} is a histogram`);
  let count = 0;
  let sum = 0;
  const les = new Set<number>();
  for (const s of family!.samples) {
    if (s.name === `${name}_count`) count += s.value;
    else if (s.name === `${name}_sum`) sum += s.value;
    else les.add(parseValue(s.labels.le!));
  }
  return { count, sum, les: [...les].sort((a, b) => a - b) };
}
