import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PairDecisionCache, MAX_DOCUMENTS_PER_PAIR } from '../../src/pipeline/policy-cache.ts';
import { buildPolicyInput, type PolicyAgent } from '../../src/pipeline/policy-input.ts';
import { DEFAULT_CONSTITUTIONAL_HASH, type AgentMessage, type MessageType } from '../../src/model/message.ts';

const worker: PolicyAgent = { tenantId: 'acme', type: 'worker', capabilities: ['chat'] };
const base: AgentMessage = {
  id: 'm', from: 'a', to: 'b', type: 'command', tenantId: 'acme', priority: 1, constitutionalHash: DEFAULT_CONSTITUTIONAL_HASH,
  payload: null, metadata: {}, createdAt: 0,
};
/** sender null: no sender in the input (an agent the registry does not know). */
const input = (m: Partial<AgentMessage> = {}, bytes = 10, sender: PolicyAgent | null = worker) =>
  buildPolicyInput({ ...base, ...m }, bytes, { expectedHash: DEFAULT_CONSTITUTIONAL_HASH, now: 0, sender: sender ?? undefined, recipient: worker });
const verdict = (n: number) => ({ n });

test('a hit only for the same document: any field that differs is a miss', () => {
  const cache = new PairDecisionCache<{ n: number }>(100, 1000);
  cache.set(input(), verdict(1), 0);
  assert.deepEqual(cache.get(input({ id: 'other' }), 0), verdict(1));
  for (const other of [input({ type: 'query' }), input({ priority: 2 }), input({ metadata: { x: '1' } }), input({}, 5000),
    input({}, 10, { ...worker, capabilities: [] }), input({}, 10, null), input({ tenantId: 'x' }), input({ constitutionalHash: 'h' }),
    input({ to: 'c' }), input({ from: 'ab', to: '' })]) {
    assert.equal(cache.get(other, 0), undefined, JSON.stringify(other));
  }
});

test('several documents per pair, the oldest dropped beyond the limit', () => {
  const cache = new PairDecisionCache<{ n: number }>(100, 1000);
  for (let p = 0; p <= MAX_DOCUMENTS_PER_PAIR; p++) cache.set(input({ metadata: { p: String(p) } }), verdict(p), 0);
  assert.equal(cache.size, 1);
  assert.equal(cache.get(input({ metadata: { p: '0' } }), 0), undefined);
  for (let p = 1; p <= MAX_DOCUMENTS_PER_PAIR; p++) assert.deepEqual(cache.get(input({ metadata: { p: String(p) } }), 0), verdict(p));
  // Setting a document again replaces it rather than keeping two copies.
  cache.set(input({ metadata: { p: '5' } }), verdict(50), 0);
  assert.deepEqual(cache.get(input({ metadata: { p: '5' } }), 0), verdict(50));
});

test('entries expire after the TTL on the clock the caller passes', () => {
  const cache = new PairDecisionCache<{ n: number }>(100, 1000);
  cache.set(input(), verdict(1), 5000);
  assert.deepEqual(cache.get(input(), 5999), verdict(1));
  assert.equal(cache.get(input(), 6000), undefined);
  cache.set(input(), verdict(2), 6000);
  assert.deepEqual(cache.get(input(), 6500), verdict(2));
});

test('least recently used pairs are evicted, and an evicted pair can be cached again', () => {
  const cache = new PairDecisionCache<{ n: number }>(2, 1000);
  cache.set(input({ to: 'x' }), verdict(1), 0);
  cache.set(input({ to: 'y' }), verdict(2), 0);
  assert.deepEqual(cache.get(input({ to: 'x' }), 0), verdict(1)); // x is now the most recent
  cache.set(input({ to: 'z' }), verdict(3), 0); // evicts y
  assert.equal(cache.size, 2);
  assert.equal(cache.get(input({ to: 'y' }), 0), undefined);
  assert.deepEqual(cache.get(input({ to: 'x' }), 0), verdict(1));
  assert.deepEqual(cache.get(input({ to: 'z' }), 0), verdict(3));
  cache.set(input({ to: 'y' }), verdict(4), 0);
  assert.deepEqual(cache.get(input({ to: 'y' }), 0), verdict(4));
  assert.equal(cache.size, 2);
});

test('bounded by bytes: pairs with large metadata are evicted to stay within maxBytes, whatever max allows', () => {
  const maxBytes = 512 * 1024;
  const cache = new PairDecisionCache<{ n: number }>(100_000, 60_000, { maxBytes });
  const big = (i: number) => input({ to: `agent-${i}`, metadata: { note: `${i}`.padEnd(4_000, 'x') } });
  for (let i = 0; i < 2_000; i++) cache.set(big(i), verdict(i), 0);
  assert.ok(cache.bytes <= maxBytes, `${cache.bytes} bytes`);
  assert.ok(cache.size > 10 && cache.size < 2_000, `${cache.size} pairs`);
  assert.deepEqual(cache.get(big(1_999), 0), verdict(1_999));
  assert.equal(cache.get(big(0), 0), undefined);
  // A pair's bucket that grows is re-measured: sixteen large documents of one pair cost sixteen times one.
  const one = new PairDecisionCache<{ n: number }>(100, 60_000, { maxBytes });
  one.set(input({ metadata: { v: '0'.repeat(4_000) } }), verdict(0), 0);
  const single = one.bytes;
  for (let v = 1; v < MAX_DOCUMENTS_PER_PAIR; v++) one.set(input({ metadata: { v: String(v).repeat(4_000) } }), verdict(v), 0);
  assert.ok(one.bytes > 10 * single, `${one.bytes} vs ${single}`);
});

test('bounded by bytes: a document larger than the whole bound is not cached, and leaves nothing behind', () => {
  const cache = new PairDecisionCache<{ n: number }>(100, 60_000, { maxBytes: 4_096 });
  const huge = input({ metadata: { blob: 'x'.repeat(8_000) } });
  cache.set(huge, verdict(1), 0);
  assert.equal(cache.get(huge, 0), undefined);
  assert.equal(cache.size, 0);
  assert.equal(cache.bytes, 0);
  // A bucket that grows past the bound is dropped whole (and unindexed: a later small document is cached afresh).
  cache.set(input({ metadata: { a: 'y'.repeat(1_000) } }), verdict(2), 0);
  assert.equal(cache.size, 1);
  cache.set(input({ metadata: { b: 'z'.repeat(1_500) } }), verdict(3), 0);
  assert.equal(cache.size, 0);
  assert.equal(cache.get(input({ metadata: { a: 'y'.repeat(1_000) } }), 0), undefined);
  cache.set(input(), verdict(4), 0);
  assert.deepEqual(cache.get(input(), 0), verdict(4));
});

test('documents of one pair with the same size, priority and type length are still told apart', () => {
  const cache = new PairDecisionCache<{ n: number }>(100, 1000);
  // 'query' and 'iuery': same length, same low bits of the first letter — what a lookup filters entries by first.
  // (No two message types collide so; the cache takes any string, so the test makes one up.)
  const iuery = 'iuery' as MessageType;
  cache.set(input({ type: 'query' }), verdict(1), 0);
  cache.set(input({ type: iuery }), verdict(2), 0);
  cache.set(input({ type: 'query', metadata: { k: 'v' } }), verdict(3), 0);
  assert.deepEqual(cache.get(input({ type: 'query' }), 0), verdict(1));
  assert.deepEqual(cache.get(input({ type: iuery }), 0), verdict(2));
  assert.deepEqual(cache.get(input({ type: 'query', metadata: { k: 'v' } }), 0), verdict(3));
  assert.equal(cache.get(input({ type: 'query', metadata: { k: 'w' } }), 0), undefined);
  assert.equal(cache.get(input({ type: 'query', metadata: { k: 'v', l: 'v' } }), 0), undefined);
  // Agents equal field by field (a fresh capabilities array of the same values) are the same document.
  assert.deepEqual(cache.get(input({ type: iuery }, 10, { ...worker, capabilities: ['chat'] }), 0), verdict(2));
  assert.equal(cache.get(input({ type: iuery }, 10, { ...worker, capabilities: ['chat', 'x'] }), 0), undefined);
});

test('a pair used recently is never the one evicted, though hits refresh recency only once per epoch', () => {
  // max 64: an epoch is 4 lookups and stores. The hot pair is used every third operation while new pairs
  // keep arriving; an LRU that never heard of those hits would evict it within 64 stores.
  const cache = new PairDecisionCache<{ n: number }>(64, 60_000);
  cache.set(input({ to: 'hot' }), verdict(0), 0);
  for (let i = 0; i < 2_000; i++) {
    cache.set(input({ to: `cold-${i}` }), verdict(i + 1), 0);
    if (i % 2 === 0) assert.deepEqual(cache.get(input({ to: 'hot' }), 0), verdict(0), `evicted after ${i} stores`);
  }
  assert.equal(cache.size, 64);
  // The oldest cold pairs were the ones that left.
  assert.equal(cache.get(input({ to: 'cold-0' }), 0), undefined);
  assert.deepEqual(cache.get(input({ to: 'cold-1999' }), 0), verdict(2_000));
});
