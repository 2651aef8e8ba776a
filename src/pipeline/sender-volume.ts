import { LRUCache } from 'lru-cache';

/**
 * Counts messages per sender over a sliding window, for the `volume` component of the impact score.
 *
 * The window is split into fixed buckets (default 10 × 1 s), so a count is approximate to one bucket and the
 * memory per sender is one small typed array. The number of senders tracked is capped; the least recently
 * seen sender is forgotten first, which can only lower its count (never raise anyone else's).
 * Each validation worker owns one; counts are per worker, which is what a cheap local signal needs.
 *
 * Recording a known sender allocates nothing: lru-cache keeps recency in typed arrays, where a Map's insertion
 * order costs a delete and a re-insert per message and, through the Map's table rebuilds, old-generation
 * garbage on the validation thread (ARCHITECTURE.md, "Sender volume keeps recency in lru-cache").
 */
export interface SenderVolumeOptions {
  windowMs?: number;
  buckets?: number;
  maxSenders?: number;
}

interface SenderCounts {
  readonly counts: Uint32Array;
  /** The absolute bucket number last written, to know which buckets are stale. */
  lastBucket: number;
}

export class SenderVolumeWindow {
  readonly windowMs: number;
  private readonly bucketMs: number;
  private readonly bucketCount: number;
  private readonly maxSenders: number;
  private readonly senders: LRUCache<string, SenderCounts>;

  constructor(options: SenderVolumeOptions = {}) {
    this.windowMs = options.windowMs ?? 10_000;
    this.bucketCount = options.buckets ?? 10;
    this.maxSenders = options.maxSenders ?? 10_000;
    if (!(this.windowMs > 0) || !Number.isInteger(this.bucketCount) || this.bucketCount < 1 || !Number.isInteger(this.maxSenders) || this.maxSenders < 1) {
      throw new RangeError('SenderVolumeWindow: windowMs > 0, buckets >= 1 and maxSenders >= 1 (integers) are required');
    }
    this.bucketMs = this.windowMs / this.bucketCount;
    this.senders = new LRUCache({ max: this.maxSenders });
  }

  /** Records one message from `sender` at `now` and returns the sender's count in the window, this one included. */
  record(sender: string, now: number): number {
    const bucket = Math.floor(now / this.bucketMs);
    // get() marks the sender most recently seen; set() of a new one forgets the least recently seen at the cap.
    let entry = this.senders.get(sender);
    if (entry === undefined) {
      entry = { counts: new Uint32Array(this.bucketCount), lastBucket: bucket };
      this.senders.set(sender, entry);
    } else this.advance(entry, bucket);
    const slot = bucket % this.bucketCount;
    entry.counts[slot] = (entry.counts[slot] as number) + 1;
    return this.sum(entry);
  }

  /** The sender's count in the window at `now`, without recording anything. */
  count(sender: string, now: number): number {
    const entry = this.senders.peek(sender);
    if (entry === undefined) return 0;
    this.advance(entry, Math.floor(now / this.bucketMs));
    return this.sum(entry);
  }

  get trackedSenders(): number {
    return this.senders.size;
  }

  /** Clears buckets that fell out of the window since the entry was last written. */
  private advance(entry: SenderCounts, bucket: number): void {
    if (bucket <= entry.lastBucket) return; // clock went backwards or same bucket: keep counting
    const stale = Math.min(bucket - entry.lastBucket, this.bucketCount);
    for (let i = 1; i <= stale; i++) entry.counts[(entry.lastBucket + i) % this.bucketCount] = 0;
    entry.lastBucket = bucket;
  }

  private sum(entry: SenderCounts): number {
    let total = 0;
    for (let i = 0; i < entry.counts.length; i++) total += entry.counts[i] as number;
    return total;
  }
}
