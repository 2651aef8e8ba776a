import { SlotTable } from './in-flight.ts';

/** `waitForSlot` outcomes that are not a slot. */
export const ADMISSION_TIMED_OUT = -1;
export const ADMISSION_CLOSED = -2;

interface Waiter<T> {
  entry: T;
  done: boolean;
  resolve: (slot: number) => void;
  timer: NodeJS.Timeout;
}

/**
 * Bounded admission: a message takes a slot or waits, for at most `timeoutMs`, for one to free up. The
 * waiting line is itself bounded (as long as the table), so a flood beyond twice the in-flight limit is
 * turned away at once instead of growing memory. Besides slots, the bytes in flight are bounded by
 * `maxBytes` (each entry counts `bytesOf(entry)`): a message is admitted only while the bytes admitted and
 * not released leave room for it — or nothing else is in flight, so one message alone always gets through.
 */
export class Admission<T> {
  readonly table: SlotTable<T>;
  private readonly waiters: Waiter<T>[] = [];
  private waitersHead = 0;
  /** Waiters still waiting (expired ones leave holes in `waiters`). */
  private live = 0;

  private bytes = 0;

  constructor(
    capacity: number,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
    private readonly bytesOf: (entry: T) => number = () => 0,
  ) {
    this.table = new SlotTable<T>(capacity);
  }

  /** Bytes of the entries admitted and not yet released. */
  get bytesInFlight(): number {
    return this.bytes;
  }

  private fits(entry: T): boolean {
    return this.bytes === 0 || this.bytes + this.bytesOf(entry) <= this.maxBytes;
  }

  private take(entry: T): number {
    const slot = this.table.acquire(entry);
    if (slot !== -1) this.bytes += this.bytesOf(entry);
    return slot;
  }

  get waiting(): number {
    return this.live;
  }

  /** The waiting line is full: `waitForSlot` would refuse at once. */
  get lineFull(): boolean {
    return this.live >= this.table.capacity;
  }

  tryAdmit(entry: T): number {
    // Waiters go first: a newcomer must not overtake messages that have been waiting.
    if (this.waiting > 0 || !this.fits(entry)) return -1;
    return this.take(entry);
  }

  waitForSlot(entry: T, timeoutMs: number): Promise<number> {
    if (this.lineFull || timeoutMs === 0) return Promise.resolve(ADMISSION_TIMED_OUT);
    if (this.waiters.length - this.waitersHead > 2 * this.table.capacity) this.compact();
    return new Promise<number>((resolve) => {
      const waiter: Waiter<T> = {
        entry,
        done: false,
        resolve,
        timer: setTimeout(() => this.expire(waiter), timeoutMs),
      };
      this.waiters.push(waiter);
      this.live++;
    });
  }

  /** Frees a slot and its bytes; the longest-waiting messages take them over directly, in order, while they fit. */
  release(slot: number): void {
    const entry = this.table.at(slot);
    if (entry === undefined) return;
    this.bytes -= this.bytesOf(entry);
    this.table.release(slot);
    while (this.live > 0 && this.table.inUse < this.table.capacity) {
      const waiter = this.headWaiter();
      // In order: a large message at the head is not overtaken by smaller ones behind it (no starvation).
      if (waiter === undefined || !this.fits(waiter.entry)) return;
      this.shiftWaiter();
      waiter.done = true;
      this.live--;
      clearTimeout(waiter.timer);
      waiter.resolve(this.take(waiter.entry));
    }
  }

  /** The longest-waiting live waiter, dropping finished ones from the head. */
  private headWaiter(): Waiter<T> | undefined {
    while (this.waitersHead < this.waiters.length) {
      const waiter = (this.waiters as (Waiter<T> | undefined)[])[this.waitersHead];
      if (waiter !== undefined && !waiter.done) return waiter;
      this.shiftWaiter();
    }
    return undefined;
  }

  /** Closing: everyone still waiting is turned away. */
  rejectWaiters(): void {
    while (this.live > 0) {
      const waiter = this.shiftWaiter();
      if (waiter === undefined || waiter.done) continue;
      waiter.done = true;
      this.live--;
      clearTimeout(waiter.timer);
      waiter.resolve(ADMISSION_CLOSED);
    }
  }

  private expire(waiter: Waiter<T>): void {
    if (waiter.done) return;
    // Left in the line as a finished entry: removing it would cost O(n) per timeout under overload.
    waiter.done = true;
    this.live--;
    waiter.resolve(ADMISSION_TIMED_OUT);
  }

  private compact(): void {
    const kept = this.waiters.slice(this.waitersHead).filter((w) => w !== undefined && !w.done);
    this.waiters.length = 0;
    this.waiters.push(...kept);
    this.waitersHead = 0;
  }

  private shiftWaiter(): Waiter<T> | undefined {
    const waiter = (this.waiters as (Waiter<T> | undefined)[])[this.waitersHead];
    (this.waiters as (Waiter<T> | undefined)[])[this.waitersHead] = undefined;
    this.waitersHead++;
    if (this.waitersHead > 1024 && this.waitersHead * 2 > this.waiters.length) {
      this.waiters.splice(0, this.waitersHead);
      this.waitersHead = 0;
    }
    return waiter;
  }
}
