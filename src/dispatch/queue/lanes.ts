import { Priority } from '../../model/message.ts';

/** A FIFO of slot numbers on a growable circular buffer, with push-front for messages put back. */
export class SlotQueue {
  private items: Int32Array;
  private head = 0;
  private count = 0;

  constructor(initialCapacity = 1024) {
    this.items = new Int32Array(initialCapacity);
  }

  get length(): number {
    return this.count;
  }

  push(slot: number): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) % this.items.length] = slot;
    this.count++;
  }

  pushFront(slot: number): void {
    if (this.count === this.items.length) this.grow();
    this.head = (this.head - 1 + this.items.length) % this.items.length;
    this.items[this.head] = slot;
    this.count++;
  }

  shift(): number {
    if (this.count === 0) return -1;
    const slot = this.items[this.head]!;
    this.head = (this.head + 1) % this.items.length;
    this.count--;
    return slot;
  }

  private grow(): void {
    const next = new Int32Array(this.items.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = this.items[(this.head + i) % this.items.length]!;
    this.items = next;
    this.head = 0;
  }
}

/**
 * Drain weights per priority: in each round CRITICAL may take 8 messages, HIGH 4, NORMAL 2 and LOW 1, so
 * under backlog higher priorities get most of the capacity and LOW still moves every round.
 */
export const LANE_WEIGHTS: Readonly<Record<Priority, number>> = { 3: 8, 2: 4, 1: 2, 0: 1 };

/** Four priority lanes of messages waiting for ring space. Bounded by the in-flight table they index into. */
export class PriorityLanes {
  private readonly lanes: SlotQueue[] = [new SlotQueue(), new SlotQueue(), new SlotQueue(), new SlotQueue()];
  private lane = 3;
  private takenInRound = 0;

  get length(): number {
    return this.lanes[0]!.length + this.lanes[1]!.length + this.lanes[2]!.length + this.lanes[3]!.length;
  }

  push(slot: number, priority: Priority): void {
    this.lanes[priority]!.push(slot);
  }

  /** Puts a message back at the head of its lane (a ring had no room, or its worker died). */
  putBack(slot: number, priority: Priority): void {
    this.lanes[priority]!.pushFront(slot);
  }

  /** The next slot by weighted round robin, or -1 when every lane is empty. */
  next(): number {
    if (this.length === 0) return -1;
    for (;;) {
      const queue = this.lanes[this.lane]!;
      if (queue.length > 0 && this.takenInRound < LANE_WEIGHTS[this.lane as Priority]) {
        this.takenInRound++;
        return queue.shift();
      }
      this.takenInRound = 0;
      this.lane = this.lane === 0 ? 3 : this.lane - 1;
    }
  }
}
