/**
 * One doorbell for all workers, so the main thread needs a single `Atomics.waitAsync` however many
 * workers it has. Workers ring it after publishing verdicts; the main thread parks on it only when it has
 * messages in flight and found no verdict to drain. Never a timer: the main thread either drains because it
 * is running anyway (a flush) or because the doorbell woke it.
 */
const SIGNAL = 0;
const MAIN_SLEEP = 16;

export class Doorbell {
  readonly buffer: SharedArrayBuffer;
  private readonly words: Int32Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(128)) {
    this.buffer = buffer;
    this.words = new Int32Array(buffer);
  }

  /**
   * Worker side: announce new verdicts. Only the first ring after the main thread parked notifies it — the
   * ringer takes the sleep flag down as it does — because waking an `Atomics.waitAsync` waiter is expensive
   * (profiled at ~20% of a worker that published every 64 messages to a sleeping main thread).
   */
  ring(): void {
    Atomics.add(this.words, SIGNAL, 1);
    if (Atomics.compareExchange(this.words, MAIN_SLEEP, 1, 0) === 1) Atomics.notify(this.words, SIGNAL);
  }

  /** Main side, step 1: remember the signal count before checking the rings one last time. */
  prepareToSleep(): number {
    Atomics.store(this.words, MAIN_SLEEP, 1);
    return Atomics.load(this.words, SIGNAL);
  }

  /**
   * Main side, step 2: resolves when a worker rings after `seen` (immediately if one already has).
   * Returns a promise that never rejects.
   */
  sleep(seen: number): Promise<void> {
    const result = Atomics.waitAsync(this.words, SIGNAL, seen);
    if (!result.async) {
      this.awake();
      return Promise.resolve();
    }
    return result.value.then(() => this.awake());
  }

  awake(): void {
    Atomics.store(this.words, MAIN_SLEEP, 0);
  }
}
