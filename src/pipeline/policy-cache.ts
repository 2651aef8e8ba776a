// The decision cache for inputs built by buildPolicyInput: buckets per (from, to) pair holding the
// few documents seen for that pair, matched field by field (no key string built and hashed per
// message). A hit must mean the same document: every field is compared (sameBuiltInput).
//
// Lookup goes through an index from → to → bucket, so a hit builds no pair key: concatenating
// the two ids and hashing the result (V8 flattens the concatenation first) cost more than the rest
// of a hit together. The LRU, keyed by the pair key made once per bucket, still owns recency and
// the bounds on pairs and on bytes; evicting a bucket takes it out of the index.
import { LRUCache } from 'lru-cache';
import { pairKey, sameBuiltInput, type PolicyInput } from './policy-input.ts';
import { LRU_ENTRY_BYTES, policyInputRetainedBytes, stringRetainedBytes } from './retained-bytes.ts';

import { DEFAULT_POLICY_CACHE_BYTES } from '../config.ts';

export { DEFAULT_POLICY_CACHE_BYTES };

/** Documents remembered per (from, to) pair (types, priorities, metadata variants). */
export const MAX_DOCUMENTS_PER_PAIR = 16;

interface CachedDecision<V> {
  readonly input: PolicyInput;
  readonly verdict: V;
  /** Deadline (the TTL), on the caller's clock. */
  readonly expires: number;
  /** Estimated heap this entry keeps alive (input plus verdict). */
  readonly bytes: number;
}

interface PairBucket<V> {
  /** The LRU key: made once, so the string is flat and its hash is cached for recency updates. */
  readonly key: string;
  readonly from: string;
  readonly to: string;
  entries: CachedDecision<V>[];
  /** Estimated heap of the bucket: its key, its bookkeeping and every entry (what the LRU's maxSize counts). */
  bytes: number;
}

export interface PairDecisionCacheLimits<V> {
  /** Most estimated bytes the cache may keep alive; a document larger than this is not cached. */
  readonly maxBytes: number;
  /** Estimated bytes of one verdict (default: nothing beyond the entry, for shared constants). */
  readonly verdictBytes?: (verdict: V) => number;
}

export class PairDecisionCache<V extends object> {
  private readonly lru: LRUCache<string, PairBucket<V>>;
  private readonly index = new Map<string, Map<string, PairBucket<V>>>();

  private readonly maxBytes: number;
  private readonly verdictBytes: (verdict: V) => number;

  /**
   * max: most cached pairs; ttlMs: how long a decision may be served, on the clock callers pass;
   * limits.maxBytes: most estimated bytes kept alive (default: unbounded by bytes, for tests of the other rules).
   */
  constructor(max: number, private readonly ttlMs: number, limits?: PairDecisionCacheLimits<V>) {
    this.maxBytes = limits?.maxBytes ?? Number.MAX_SAFE_INTEGER;
    this.verdictBytes = limits?.verdictBytes ?? (() => 0);
    this.lru = new LRUCache<string, PairBucket<V>>({
      max,
      maxSize: this.maxBytes,
      sizeCalculation: (bucket) => Math.max(1, bucket.bytes),
      dispose: (bucket) => this.unindex(bucket),
    });
  }

  /** Estimated bytes the cache keeps alive now. */
  get bytes(): number { return this.lru.calculatedSize; }

  get size(): number { return this.lru.size; }

  /** The cached verdict for exactly this document, if one is live at `now`. */
  get(input: PolicyInput, now: number): V | undefined {
    const bucket = this.index.get(input.message.from)?.get(input.message.to);
    if (bucket === undefined) return undefined;
    for (const entry of bucket.entries) {
      if (entry.expires > now && sameBuiltInput(entry.input, input)) {
        this.lru.get(bucket.key); // recency
        return entry.verdict;
      }
    }
    return undefined;
  }

  set(input: PolicyInput, verdict: V, now: number): void {
    const fresh: CachedDecision<V> = { input, verdict, expires: now + this.ttlMs, bytes: policyInputRetainedBytes(input) + this.verdictBytes(verdict) };
    const { from, to } = input.message;
    let row = this.index.get(from);
    const bucket = row?.get(to);
    if (bucket === undefined) {
      const key = pairKey(input);
      const created: PairBucket<V> = { key, from, to, entries: [fresh], bytes: LRU_ENTRY_BYTES + stringRetainedBytes(key) + fresh.bytes };
      // The LRU would refuse it (larger than maxSize): never index what the LRU does not hold.
      if (created.bytes > this.maxBytes) return;
      if (row === undefined) this.index.set(from, (row = new Map()));
      row.set(to, created);
      this.lru.set(created.key, created);
      return;
    }
    const live = bucket.entries.filter((e) => e.expires > now && !sameBuiltInput(e.input, input));
    if (live.length >= MAX_DOCUMENTS_PER_PAIR) live.shift();
    live.push(fresh);
    let bytes = LRU_ENTRY_BYTES + stringRetainedBytes(bucket.key);
    for (const entry of live) bytes += entry.bytes;
    if (bytes > this.maxBytes) {
      // Grown past the whole bound: drop the pair (dispose unindexes it) rather than keep it half-measured.
      this.lru.delete(bucket.key);
      return;
    }
    // A new bucket object, because lru-cache measures a value only when it changes; the index points at it
    // first, so disposing the old one (unindex) leaves the new one indexed.
    const grown: PairBucket<V> = { key: bucket.key, from, to, entries: live, bytes };
    row!.set(to, grown);
    this.lru.set(bucket.key, grown); // recency and the new size
  }

  private unindex(bucket: PairBucket<V>): void {
    const row = this.index.get(bucket.from);
    // Only the indexed bucket of that pair: never a newer one that replaced it.
    if (row === undefined || row.get(bucket.to) !== bucket) return;
    row.delete(bucket.to);
    if (row.size === 0) this.index.delete(bucket.from);
  }
}
