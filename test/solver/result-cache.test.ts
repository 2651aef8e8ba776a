import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecisionCache, cachedVerdictBytes } from '../../src/solver/result-cache.ts';
import type { TemplateVerdict } from '../../src/solver/template-solver.ts';

const sat = (template: string): TemplateVerdict => ({ template, status: 'sat', violated: [] });

test('the deliberation cache is bounded by bytes: long keys (payload-derived bindings) evict, they do not accumulate', () => {
  const maxBytes = 256 * 1024;
  const cache = new DecisionCache(10_000, maxBytes);
  const key = (i: number) => `rev|transfer|amount=${i};memo=${'9'.repeat(4_000)}`;
  for (let i = 0; i < 1_000; i++) cache.set(key(i), sat('transfer'));
  assert.ok(cache.bytes <= maxBytes, `${cache.bytes} bytes cached`);
  const perEntry = cachedVerdictBytes(key(0), sat('transfer'));
  assert.equal(cache.size, Math.floor(maxBytes / perEntry));
  // The most recent stay, the oldest went.
  assert.deepEqual(cache.get(key(999)), sat('transfer'));
  assert.equal(cache.get(key(0)), undefined);
});

test('the deliberation cache still bounds entries, and a verdict larger than the whole bound is not kept', () => {
  const counted = new DecisionCache(10);
  for (let i = 0; i < 100; i++) counted.set(`k${i}`, sat('t'));
  assert.equal(counted.size, 10);
  const small = new DecisionCache(10, 1_000);
  small.set('x'.repeat(1_000), sat('t'));
  assert.equal(small.size, 0);
  assert.equal(small.bytes, 0);
});
