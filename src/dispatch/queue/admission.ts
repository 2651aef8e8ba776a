import { SlotTable } from './in-flight.ts';

/**
 * Bounded admission: a message takes a slot of the in-flight table while one is free and the bytes admitted
 * and not released leave room for it — or nothing else is in flight, so one message alone always gets
 * through (each entry counts `bytesOf(entry)` against `maxBytes`). Messages that find no room wait in the
 * bus's SendLine (send-line.ts), not here.
 */
export class Admission<T> {
  readonly table: SlotTable<T>;
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

  /** A slot is free (whether a message's bytes fit is `tryAdmit`'s question). */
  get hasSlot(): boolean {
    return this.table.inUse < this.table.capacity;
  }

  /** Takes a slot for `entry`; -1 when none is free or its bytes do not fit. */
  tryAdmit(entry: T): number {
    if (this.bytes !== 0 && this.bytes + this.bytesOf(entry) > this.maxBytes) return -1;
    const slot = this.table.acquire(entry);
    if (slot !== -1) this.bytes += this.bytesOf(entry);
    return slot;
  }

  /** Frees a slot and its bytes. */
  release(slot: number): void {
    const entry = this.table.at(slot);
    if (entry === undefined) return;
    this.bytes -= this.bytesOf(entry);
    this.table.release(slot);
  }
}
