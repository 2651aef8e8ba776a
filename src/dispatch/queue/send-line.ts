import { performance } from 'node:perf_hooks';

/** Milliseconds between two looks for waiters past their deadline. */
export const LINE_SWEEP_INTERVAL_MS = 10;

/**
 * The sends waiting for room in flight: first come, first served, bounded by `capacity`. A waiter costs the
 * line one array element and one float: no timer, promise or record of its own. Under overload every waiter
 * lives through young-generation collections, and what it keeps alive is copied at each (measured at twice
 * the sustainable rate: the bus served 38% more once a waiter stopped carrying a timer, a promise and a read
 * message; ARCHITECTURE.md); so a waiter is kept as little as the bus can keep, and read only when admitted.
 *
 * Deadlines are found by one unref'd interval, running only while someone waits, that walks the line; a
 * waiter is turned away within `LINE_SWEEP_INTERVAL_MS` (plus the event loop's delay) of its deadline. Most
 * waiters' deadlines grow with their place in the line, but not all (one that first waited elsewhere
 * arrives with less time left), so the walk looks at every waiter and leaves holes that the head skips.
 */
export class SendLine<W> {
  private items: (W | undefined)[];
  private deadlines: Float64Array;
  /** Index of the oldest position (it may be a hole). */
  private head = 0;
  /** Positions in use from `head`, holes included. */
  private used = 0;
  private live = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly capacity: number,
    private readonly onExpired: (waiter: W) => void,
    private readonly intervalMs = LINE_SWEEP_INTERVAL_MS,
  ) {
    this.items = new Array<W | undefined>(capacity);
    this.deadlines = new Float64Array(capacity);
  }

  /** Waiters still waiting. */
  get length(): number {
    return this.live;
  }

  get full(): boolean {
    return this.live >= this.capacity;
  }

  /** Appends a waiter that must leave the line by `deadline` (`performance.now()` ms); false when full. */
  push(waiter: W, deadline: number): boolean {
    if (this.live >= this.capacity) return false;
    if (this.used === this.capacity) this.compact();
    const at = (this.head + this.used) % this.capacity;
    this.items[at] = waiter;
    this.deadlines[at] = deadline;
    this.used++;
    this.live++;
    if (this.timer === null) {
      this.timer = setInterval(this.sweep, this.intervalMs);
      this.timer.unref();
    }
    return true;
  }

  /** The longest-waiting waiter, left in the line. */
  peek(): W | undefined {
    this.skipHoles();
    return this.used === 0 ? undefined : this.items[this.head];
  }

  /** Takes the longest-waiting waiter out of the line. */
  shift(): W | undefined {
    this.skipHoles();
    if (this.used === 0) return undefined;
    const waiter = this.items[this.head];
    this.items[this.head] = undefined;
    this.advance();
    this.live--;
    if (this.live === 0) this.stop();
    return waiter;
  }

  /** Empties the line, oldest first, handing each waiter to `each`. */
  clear(each: (waiter: W) => void): void {
    for (let waiter = this.shift(); waiter !== undefined; waiter = this.shift()) each(waiter);
  }

  /** One walk of the line: every waiter past its deadline leaves it, oldest first. Public for tests. */
  readonly sweep = (now: number = performance.now()): void => {
    const expired: W[] = [];
    for (let i = 0; i < this.used; i++) {
      const at = (this.head + i) % this.capacity;
      const waiter = this.items[at];
      if (waiter === undefined || this.deadlines[at]! > now) continue;
      this.items[at] = undefined;
      this.live--;
      expired.push(waiter);
    }
    this.skipHoles();
    if (this.live === 0) this.stop();
    for (const waiter of expired) this.onExpired(waiter);
  };

  private skipHoles(): void {
    while (this.used > 0 && this.items[this.head] === undefined) this.advance();
  }

  private advance(): void {
    this.head = (this.head + 1) % this.capacity;
    this.used--;
    if (this.used === 0) this.head = 0;
  }

  /** Closes the holes (the line is out of positions but not of room): order kept, O(capacity), rare. */
  private compact(): void {
    const items = new Array<W | undefined>(this.capacity);
    const deadlines = new Float64Array(this.capacity);
    let n = 0;
    for (let i = 0; i < this.used; i++) {
      const at = (this.head + i) % this.capacity;
      if (this.items[at] === undefined) continue;
      items[n] = this.items[at];
      deadlines[n] = this.deadlines[at]!;
      n++;
    }
    this.items = items;
    this.deadlines = deadlines;
    this.head = 0;
    this.used = n;
  }

  private stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
