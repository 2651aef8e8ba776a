/** What the watchdog reads of a validation thread (a WorkerLink). */
export interface WatchedWorker {
  readonly alive: boolean;
  /** Messages written to its ring and not yet answered. */
  readonly awaiting: number;
  /** Verdicts it has published so far (bumped per verdict: the only cost on the hot path). */
  readonly verdicts: number;
}

interface Progress {
  verdicts: number;
  since: number;
}

/**
 * Finds validation threads that are stuck: holding messages, no verdict published for `stuckAfterMs`, and
 * holding one past its deadline (a stage in an endless loop, a blocking call). Such a thread is recycled —
 * the caller terminates it, and crash recovery charges the message it was on — so one bad message cannot
 * keep a thread's whole queue from being judged. One unref'd interval, running only while threads hold
 * messages; it costs nothing per message.
 */
export class WorkerWatchdog<W extends WatchedWorker> {
  private timer: NodeJS.Timeout | null = null;
  private readonly progress = new Map<W, Progress>();

  constructor(
    private readonly workers: readonly W[],
    private readonly stuckAfterMs: number,
    /** Whether `worker` holds a message whose deadline is at or before `now` (performance.now() ms). */
    private readonly holdsOverdue: (worker: W, now: number) => boolean,
    private readonly recycle: (worker: W) => void,
    private readonly clock: () => number,
  ) {}

  /** Checks twice per `stuckAfterMs`: a stuck thread is recycled within 1.5 × `stuckAfterMs` of its last verdict. */
  arm(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(this.tick, Math.max(5, Math.floor(this.stuckAfterMs / 2)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.progress.clear();
  }

  readonly tick = (): void => {
    const now = this.clock();
    let holding = false;
    for (const worker of this.workers) {
      if (!worker.alive || worker.awaiting === 0) {
        this.progress.delete(worker);
        continue;
      }
      holding = true;
      const seen = this.progress.get(worker);
      if (seen === undefined || seen.verdicts !== worker.verdicts) {
        this.progress.set(worker, { verdicts: worker.verdicts, since: now });
        continue;
      }
      if (now - seen.since >= this.stuckAfterMs && this.holdsOverdue(worker, now)) {
        this.progress.delete(worker);
        this.recycle(worker);
      }
    }
    if (!holding) this.stop();
  };
}
