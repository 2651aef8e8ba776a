// The decision cache for inputs built by buildPolicyInput: buckets per (from, to) pair holding the
// few documents seen for that pair, matched field by field (no key string built and hashed per
// message). A hit must mean the same document: every field is compared (matches).
//
// Lookup goes through an index from → to → bucket, so a hit builds no pair key: concatenating
// the two ids and hashing the result (V8 flattens the concatenation first) cost more than the rest
// of a hit together. Each entry holds the fields a lookup compares itself, so a hit reads one object
// per document instead of the entry's input, its message and its agents, and a bucket keeps a number per
// entry (shapeOf) so a lookup reads only the entry that can match: with ~1,100 pairs and ~4,000 documents
// these objects are not in the CPU's caches, and each object read was a cache miss. The LRU, keyed by
// the pair key made once per bucket, still owns recency and the bounds on pairs and on bytes; evicting a
// bucket takes it out of the index. A hit tells the LRU of its pair at most once per epoch (a sixteenth
// of `max` lookups and stores; see touch): moving the entry in lru-cache's lists was a third of a hit's cost.
import { LRUCache } from 'lru-cache';
import { pairKey, type PolicyAgent, type PolicyInput } from './policy-input.ts';
import { LRU_ENTRY_BYTES, policyInputRetainedBytes, stringRetainedBytes } from './retained-bytes.ts';

import { DEFAULT_POLICY_CACHE_BYTES } from '../config.ts';

export { DEFAULT_POLICY_CACHE_BYTES };

/** Documents remembered per (from, to) pair (types, priorities, metadata variants). */
export const MAX_DOCUMENTS_PER_PAIR = 16;

/** One document's decision, with the document's fields besides its pair (what a lookup compares). */
interface CachedDecision<V> {
  readonly shape: number;
  readonly type: string;
  readonly tenantId: string;
  readonly priority: number;
  readonly constitutionalHash: string;
  readonly payloadKiB: number;
  readonly expectedHash: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly metadataSize: number;
  /** The agents' fields (tenant undefined: no agent), here rather than the agent objects: one object to read. */
  readonly senderTenant: string | undefined;
  readonly senderType: string | undefined;
  readonly senderCapabilities: readonly string[] | undefined;
  readonly recipientTenant: string | undefined;
  readonly recipientType: string | undefined;
  readonly recipientCapabilities: readonly string[] | undefined;
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
  /** `shapeOf` each entry's document, in the order of `entries`. */
  shapes: number[];
  /** The cache's epoch when a hit or store last told the LRU of this pair. */
  touched: number;
  /** Estimated heap of the bucket: its key, its bookkeeping and every entry (what the LRU's maxSize counts). */
  bytes: number;
}

export interface PairDecisionCacheLimits<V> {
  /** Most estimated bytes the cache may keep alive; a document larger than this is not cached. */
  readonly maxBytes: number;
  /** Estimated bytes of one verdict (default: nothing beyond the entry, for shared constants). */
  readonly verdictBytes?: (verdict: V) => number;
}

/**
 * A hit refreshes its pair in the LRU once per epoch, an epoch being `max / RECENCY_SHARE` lookups and stores
 * (at least one): a pair used within the last epoch is never the one evicted by count, since moving it to the
 * head of the eviction order would take `max` moves; older pairs leave in the order of their last refresh.
 */
const RECENCY_SHARE = 16;

/**
 * A number two inputs of one pair share when they are the same document (from the fields that tell a pair's
 * documents apart most often: size, priority, type), so a lookup compares the full document with only the
 * entries whose number is its own. Any collision only costs that comparison.
 */
function shapeOf(input: PolicyInput): number {
  const { type, priority } = input.message;
  return ((input.payloadKiB | 0) * 4 + (priority & 3)) * 128 + (((type.length & 15) << 3) | (type.charCodeAt(0) & 7));
}

/** Whether `agent` is the agent whose fields an entry holds (`tenantId` undefined: the entry has none). */
function isAgent(tenantId: string | undefined, type: string | undefined, capabilities: readonly string[] | undefined, agent: PolicyAgent | undefined): boolean {
  if (agent === undefined) return tenantId === undefined;
  if (tenantId !== agent.tenantId || type !== agent.type || capabilities === undefined) return false;
  const other = agent.capabilities;
  if (capabilities === other) return true;
  if (capabilities.length !== other.length) return false;
  for (let i = 0; i < other.length; i++) if (capabilities[i] !== other[i]) return false;
  return true;
}

/** Whether `input` (of the entry's pair) is the entry's document. */
function matches(entry: CachedDecision<unknown>, input: PolicyInput): boolean {
  const m = input.message;
  if (entry.type !== m.type || entry.priority !== m.priority || entry.tenantId !== m.tenantId || entry.constitutionalHash !== m.constitutionalHash
    || entry.payloadKiB !== input.payloadKiB || entry.expectedHash !== input.expectedHash) return false;
  // Metadata values are strings: equal values for every key of the input, and as many keys, is the same map.
  let size = 0;
  for (const key in m.metadata) {
    if (entry.metadata[key] !== m.metadata[key]) return false;
    size++;
  }
  return size === entry.metadataSize
    && isAgent(entry.senderTenant, entry.senderType, entry.senderCapabilities, input.sender)
    && isAgent(entry.recipientTenant, entry.recipientType, entry.recipientCapabilities, input.recipient);
}

export class PairDecisionCache<V extends object> {
  private readonly lru: LRUCache<string, PairBucket<V>>;
  private readonly index = new Map<string, Map<string, PairBucket<V>>>();
  private readonly epochLength: number;
  private epoch = 0;
  private untilNextEpoch: number;

  private readonly maxBytes: number;
  private readonly verdictBytes: (verdict: V) => number;

  /**
   * max: most cached pairs; ttlMs: how long a decision may be served, on the clock callers pass;
   * limits.maxBytes: most estimated bytes kept alive (default: unbounded by bytes, for tests of the other rules).
   */
  constructor(max: number, private readonly ttlMs: number, limits?: PairDecisionCacheLimits<V>) {
    this.maxBytes = limits?.maxBytes ?? Number.MAX_SAFE_INTEGER;
    this.verdictBytes = limits?.verdictBytes ?? (() => 0);
    this.epochLength = Math.max(1, Math.floor(max / RECENCY_SHARE));
    this.untilNextEpoch = this.epochLength;
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
    this.tick();
    const bucket = this.index.get(input.message.from)?.get(input.message.to);
    if (bucket === undefined) return undefined;
    const shape = shapeOf(input);
    const shapes = bucket.shapes;
    for (let i = 0; i < shapes.length; i++) {
      if (shapes[i] !== shape) continue;
      const entry = bucket.entries[i]!;
      if (entry.expires > now && matches(entry, input)) {
        this.touch(bucket);
        return entry.verdict;
      }
    }
    return undefined;
  }

  set(input: PolicyInput, verdict: V, now: number): void {
    this.tick();
    const m = input.message;
    let metadataSize = 0;
    for (const _ in m.metadata) metadataSize++;
    const shape = shapeOf(input);
    const fresh: CachedDecision<V> = {
      shape, type: m.type, tenantId: m.tenantId, priority: m.priority, constitutionalHash: m.constitutionalHash, payloadKiB: input.payloadKiB,
      expectedHash: input.expectedHash, metadata: m.metadata, metadataSize,
      senderTenant: input.sender?.tenantId, senderType: input.sender?.type, senderCapabilities: input.sender?.capabilities,
      recipientTenant: input.recipient?.tenantId, recipientType: input.recipient?.type, recipientCapabilities: input.recipient?.capabilities,
      verdict, expires: now + this.ttlMs, bytes: policyInputRetainedBytes(input) + this.verdictBytes(verdict),
    };
    const { from, to } = input.message;
    let row = this.index.get(from);
    const bucket = row?.get(to);
    if (bucket === undefined) {
      const key = pairKey(input);
      const created: PairBucket<V> = { key, from, to, entries: [fresh], shapes: [shape], touched: this.epoch, bytes: LRU_ENTRY_BYTES + stringRetainedBytes(key) + fresh.bytes };
      // The LRU would refuse it (larger than maxSize): never index what the LRU does not hold.
      if (created.bytes > this.maxBytes) return;
      if (row === undefined) this.index.set(from, (row = new Map()));
      row.set(to, created);
      this.lru.set(created.key, created);
      return;
    }
    const live = bucket.entries.filter((e) => e.expires > now && !matches(e, input));
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
    const grown: PairBucket<V> = { key: bucket.key, from, to, entries: live, shapes: live.map((entry) => entry.shape), touched: this.epoch, bytes };
    row!.set(to, grown);
    this.lru.set(bucket.key, grown); // recency and the new size
  }

  private tick(): void {
    if (--this.untilNextEpoch > 0) return;
    this.epoch++;
    this.untilNextEpoch = this.epochLength;
  }

  /** Tells the LRU a pair was used, once per epoch (RECENCY_SHARE). */
  private touch(bucket: PairBucket<V>): void {
    if (bucket.touched === this.epoch) return;
    bucket.touched = this.epoch;
    this.lru.get(bucket.key);
  }

  private unindex(bucket: PairBucket<V>): void {
    const row = this.index.get(bucket.from);
    // Only the indexed bucket of that pair: never a newer one that replaced it.
    if (row === undefined || row.get(bucket.to) !== bucket) return;
    row.delete(bucket.to);
    if (row.size === 0) this.index.delete(bucket.from);
  }
}
