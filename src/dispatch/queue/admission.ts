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
 * turned away at once instead of growing memory.
 */
export class Admission<T> {
  readonly table: SlotTable<T>;
  private readonly waiters: Waiter<T>[] = [];
  private waitersHead = 0;
  /** Waiters still waiting (expired ones leave holes in `waiters`). */
  private live = 0;

  constructor(capacity: number) {
    this.table = new SlotTable<T>(capacity);
  }

  get waiting(): number {
    return this.live;
  }

  tryAdmit(entry: T): number {
    // Waiters go first: a newcomer must not overtake messages that have been waiting.
    if (this.waiting > 0) return -1;
    return this.table.acquire(entry);
  }

  waitForSlot(entry: T, timeoutMs: number): Promise<number> {
    if (this.live >= this.table.capacity || timeoutMs === 0) return Promise.resolve(ADMISSION_TIMED_OUT);
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

  /** Frees a slot; the longest-waiting message takes it over directly. */
  release(slot: number): void {
    this.table.release(slot);
    while (this.live > 0) {
      const waiter = this.shiftWaiter();
      if (waiter === undefined || waiter.done) continue;
      waiter.done = true;
      this.live--;
      clearTimeout(waiter.timer);
      const next = this.table.acquire(waiter.entry);
      waiter.resolve(next);
      return;
    }
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
