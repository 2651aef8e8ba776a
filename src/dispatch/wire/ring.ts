/**
 * A single-producer/single-consumer byte ring on a SharedArrayBuffer.
 *
 * Layout: a 192-byte control block — HEAD, TAIL and SLEEP, each an Int32 on its own 64-byte line so the
 * producer's and consumer's writes never share a cache line — followed by `capacity` data bytes
 * (a power of two). HEAD and TAIL are free-running byte counters modulo 2^30; `pos & mask` is the offset.
 * They wrap at 2^30, not 2^32, so they are always small integers (V8 Smis): free-running to 2^32, the hot
 * functions on both sides were deoptimized when the counters passed 2^30 and 2^31 (a gibibyte through the
 * ring: seconds into a load) and ran slow until re-optimized, a 10-20 ms stall each time.
 *
 * A record is `[i32 length][i32 kind][bytes]`, padded to 8 bytes. A record never wraps: when it doesn't
 * fit before the end, the producer writes a length of -1 (a wrap marker) and starts it at offset 0.
 * The producer publishes HEAD with a sequentially consistent store after writing the bytes, the consumer
 * publishes TAIL after it has finished with them; that pair of stores is the whole synchronisation.
 */
import { MAX_RING_BYTES } from '../../config.ts';

const HEAD = 0;
const TAIL = 16;
const SLEEP = 32;
const CONTROL_BYTES = 192;
const RECORD_HEADER = 8;
const WRAP_MARKER = -1;
/** Positions count modulo 2^30 (see above); the capacity (at most MAX_RING_BYTES) stays below it, so `head - tail` is exact. */
const POSITION_MASK = 0x3fff_ffff;

export interface RingRecord {
  readonly kind: number;
  /** Offset of the record's bytes in `ring.bytes`. */
  readonly start: number;
  readonly length: number;
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

export class ByteRing {
  readonly buffer: SharedArrayBuffer;
  readonly capacity: number;
  /** The data area; record offsets index into it. */
  readonly bytes: Uint8Array;
  readonly control: Int32Array;
  private readonly words: Int32Array;
  private readonly mask: number;
  /** Consumer-side: where the next read starts (not yet published as TAIL). */
  private readCursor: number;

  private constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.capacity = buffer.byteLength - CONTROL_BYTES;
    if (this.capacity < 64 || this.capacity > MAX_RING_BYTES || (this.capacity & (this.capacity - 1)) !== 0) {
      throw new RangeError(`ring capacity must be a power of two from 64 to 2^29, got ${this.capacity}`);
    }
    this.mask = this.capacity - 1;
    this.control = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
    this.bytes = new Uint8Array(buffer, CONTROL_BYTES, this.capacity);
    this.words = new Int32Array(buffer, CONTROL_BYTES, this.capacity / 4);
    this.readCursor = Atomics.load(this.control, TAIL);
  }

  /** A new, empty ring of `capacity` data bytes (rounded up to a power of two). */
  static create(capacity: number): ByteRing {
    let size = 64;
    while (size < capacity) size *= 2;
    return new ByteRing(new SharedArrayBuffer(CONTROL_BYTES + size));
  }

  /** The same ring seen from another thread. */
  static attach(buffer: SharedArrayBuffer): ByteRing {
    return new ByteRing(buffer);
  }

  /** The largest record payload that can ever fit. */
  get maxRecordBytes(): number {
    return this.capacity / 2 - RECORD_HEADER;
  }

  /** Bytes written and not yet released by the consumer. */
  usedBytes(): number {
    return (Atomics.load(this.control, HEAD) - Atomics.load(this.control, TAIL)) & POSITION_MASK;
  }

  /**
   * Producer: appends one record made of `parts` laid end to end. Returns false, writing nothing, when the
   * ring lacks the space (the caller keeps the data and retries after the consumer has caught up).
   */
  tryWrite(kind: number, parts: readonly Uint8Array[]): boolean {
    let length = 0;
    for (const part of parts) length += part.length;
    if (length > this.maxRecordBytes) throw new RangeError(`record of ${length} bytes exceeds the ring's limit of ${this.maxRecordBytes}`);
    const total = align8(RECORD_HEADER + length);
    const head = Atomics.load(this.control, HEAD);
    const tail = Atomics.load(this.control, TAIL);
    const free = this.capacity - ((head - tail) & POSITION_MASK);
    let offset = head & this.mask;
    const toEnd = this.capacity - offset;
    let consumed = total;
    if (toEnd < total) consumed += toEnd;
    if (consumed > free) return false;
    if (toEnd < total) {
      this.words[offset >>> 2] = WRAP_MARKER;
      offset = 0;
    }
    this.words[offset >>> 2] = length;
    this.words[(offset >>> 2) + 1] = kind;
    if (parts.length === 1) {
      this.bytes.set(parts[0]!, offset + RECORD_HEADER);
    } else if (parts.length > 1) {
      // Many small copies *into shared memory* take V8's slow path (measured: 1.1 µs per 2 KB message as
      // 256 parts, against 0.3 µs staged): gather into ordinary memory first, then copy once.
      const staging = this.stagingFor(length);
      let at = 0;
      for (const part of parts) {
        staging.set(part, at);
        at += part.length;
      }
      this.bytes.set(staging.subarray(0, length), offset + RECORD_HEADER);
    }
    Atomics.store(this.control, HEAD, (head + consumed) & POSITION_MASK);
    return true;
  }

  private staging: Uint8Array = new Uint8Array(0);

  private stagingFor(length: number): Uint8Array {
    if (this.staging.length < length) this.staging = new Uint8Array(Math.max(length, this.staging.length * 2, 64 * 1024));
    return this.staging;
  }

  /** Consumer: the next record, or null when the ring is empty. Its bytes stay valid until `release()`. */
  read(): RingRecord | null {
    const head = Atomics.load(this.control, HEAD);
    let cursor = this.readCursor;
    if (cursor === head) return null;
    let offset = cursor & this.mask;
    let length = this.words[offset >>> 2]!;
    if (length === WRAP_MARKER) {
      cursor = (cursor + (this.capacity - offset)) & POSITION_MASK;
      offset = 0;
      length = this.words[0]!;
    }
    const kind = this.words[(offset >>> 2) + 1]!;
    this.readCursor = (cursor + align8(RECORD_HEADER + length)) & POSITION_MASK;
    return { kind, start: offset + RECORD_HEADER, length };
  }

  /** Consumer: gives back the space of every record read so far. */
  release(): void {
    Atomics.store(this.control, TAIL, this.readCursor);
  }

  /** Consumer: true when a record is waiting to be read. */
  hasData(): boolean {
    return Atomics.load(this.control, HEAD) !== this.readCursor;
  }

  /**
   * Consumer: parks until a record is written or `timeoutMs` passes. Never on the main thread. It waits on
   * its own read position, not on a HEAD it read earlier: a HEAD read after the last empty `read()` may
   * already include a record nobody has read, and waiting on it would sleep through that record.
   */
  waitForData(timeoutMs: number): void {
    const position = this.readCursor;
    Atomics.store(this.control, SLEEP, 1);
    // Re-check after announcing sleep: a producer that wrote just before it saw SLEEP = 0 and won't notify.
    if (Atomics.load(this.control, HEAD) === position) Atomics.wait(this.control, HEAD, position, timeoutMs);
    Atomics.store(this.control, SLEEP, 0);
  }

  /** Producer: wakes a parked consumer. Cheap when nobody sleeps (one load). */
  wakeConsumer(): void {
    if (Atomics.load(this.control, SLEEP) === 1) Atomics.notify(this.control, HEAD);
  }
}
