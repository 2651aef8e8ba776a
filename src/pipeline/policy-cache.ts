// The decision cache for inputs built by buildPolicyInput: buckets per (from, to) pair holding the
// few documents seen for that pair, matched field by field (no key string built and hashed per
// message). A hit must mean the same document: every field is compared (sameBuiltInput).
//
// Lookup goes through an index from → to → bucket, so a hit builds no pair key: concatenating
// the two ids and hashing the result (V8 flattens the concatenation first) cost more than the rest
// of a hit together. The LRU, keyed by the pair key made once per bucket, still owns recency and
// the bound on pairs; evicting a bucket takes it out of the index.
import { LRUCache } from 'lru-cache';
import { pairKey, sameBuiltInput, type PolicyInput } from './policy-input.ts';

/** Documents remembered per (from, to) pair (types, priorities, metadata variants). */
export const MAX_DOCUMENTS_PER_PAIR = 16;

interface CachedDecision<V> {
  readonly input: PolicyInput;
  readonly verdict: V;
  /** Deadline (the TTL), on the caller's clock. */
  readonly expires: number;
}

interface PairBucket<V> {
  /** The LRU key: made once, so the string is flat and its hash is cached for recency updates. */
  readonly key: string;
  readonly from: string;
  readonly to: string;
  entries: CachedDecision<V>[];
}

export class PairDecisionCache<V extends object> {
  private readonly lru: LRUCache<string, PairBucket<V>>;
  private readonly index = new Map<string, Map<string, PairBucket<V>>>();

  /** max: most cached pairs; ttlMs: how long a decision may be served, on the clock callers pass. */
  constructor(max: number, private readonly ttlMs: number) {
    this.lru = new LRUCache<string, PairBucket<V>>({ max, dispose: (bucket) => this.unindex(bucket) });
  }

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
    const fresh: CachedDecision<V> = { input, verdict, expires: now + this.ttlMs };
    const { from, to } = input.message;
    let row = this.index.get(from);
    const bucket = row?.get(to);
    if (bucket === undefined) {
      const created: PairBucket<V> = { key: pairKey(input), from, to, entries: [fresh] };
      if (row === undefined) this.index.set(from, (row = new Map()));
      row.set(to, created);
      this.lru.set(created.key, created);
      return;
    }
    const live = bucket.entries.filter((e) => e.expires > now && !sameBuiltInput(e.input, input));
    if (live.length >= MAX_DOCUMENTS_PER_PAIR) live.shift();
    live.push(fresh);
    bucket.entries = live;
    this.lru.set(bucket.key, bucket); // recency
  }

  private unindex(bucket: PairBucket<V>): void {
    const row = this.index.get(bucket.from);
    // Only the indexed bucket of that pair: never a newer one that replaced it.
    if (row === undefined || row.get(bucket.to) !== bucket) return;
    row.delete(bucket.to);
    if (row.size === 0) this.index.delete(bucket.from);
  }
}
