/**
 * The bound on messages in flight, as a table of slots. A message holds a slot from admission until its
 * `send()` promise settles (handler included), so the table's capacity *is* the in-flight limit and
 * memory stays bounded. A slot index travels through the rings; a per-slot generation, bumped on every
 * release, makes a late verdict for a recycled slot recognisable as stale.
 */
export class SlotTable<T> {
  readonly capacity: number;
  private readonly entries: (T | undefined)[];
  private readonly generations: Uint32Array;
  private readonly free: Int32Array;
  private freeCount: number;
  /** One past the highest slot ever handed out: slots above it were never used (a sweep stops here). */
  private used = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`in-flight capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.entries = new Array<T | undefined>(capacity).fill(undefined);
    this.generations = new Uint32Array(capacity);
    this.free = new Int32Array(capacity);
    // Hand out low slots first: they stay hot in cache.
    for (let i = 0; i < capacity; i++) this.free[i] = capacity - 1 - i;
    this.freeCount = capacity;
  }

  get inUse(): number {
    return this.capacity - this.freeCount;
  }

  /** Takes a free slot for `entry`; -1 when the table is full. */
  acquire(entry: T): number {
    if (this.freeCount === 0) return -1;
    const slot = this.free[--this.freeCount]!;
    this.entries[slot] = entry;
    if (slot >= this.used) this.used = slot + 1;
    return slot;
  }

  generation(slot: number): number {
    return this.generations[slot]!;
  }

  /** The entry in `slot` if its generation still matches. */
  get(slot: number, generation: number): T | undefined {
    if (slot < 0 || slot >= this.capacity || this.generations[slot] !== generation) return undefined;
    return this.entries[slot];
  }

  /** One past the highest slot ever handed out (free slots are reused lowest-last-freed first, so this stays low). */
  get highWater(): number {
    return this.used;
  }

  /** Whatever occupies `slot` now, whichever its generation (for sweeps and identity checks). */
  at(slot: number): T | undefined {
    return this.entries[slot];
  }

  release(slot: number): void {
    if (this.entries[slot] === undefined) return;
    this.entries[slot] = undefined;
    this.generations[slot] = (this.generations[slot]! + 1) >>> 0;
    this.free[this.freeCount++] = slot;
  }

  /** Every occupied slot (for recovery after a worker crash and for close()). */
  *occupied(): IterableIterator<[number, T]> {
    for (let slot = 0; slot < this.capacity; slot++) {
      const entry = this.entries[slot];
      if (entry !== undefined) yield [slot, entry];
    }
  }
}
