import { OutcomeUnknownError, RedisUnavailableError, type RedisConnection } from './connection.ts';

interface PendingAppend {
  readonly key: string;
  readonly fields: readonly string[];
  readonly queuedAt: number;
  readonly resolve: (entryId: string) => void;
  readonly reject: (error: Error) => void;
}

/** Too many appends queued or in flight: the caller settles E_UNAVAILABLE at once. */
export class QueueFullError extends RedisUnavailableError {
  constructor(bound: number) {
    super(`${bound} messages already queued for Redis`);
    this.name = 'QueueFullError';
  }
}

/** Most XADDs in one pipeline: one write of a few hundred KB at most, so one slow batch does not stall the rest. */
const MAX_BATCH = 512;

/**
 * Appends stream entries (XADD) batched per event-loop turn: every append made in one turn goes out as one
 * explicit pipeline, so a burst of sends costs one round trip instead of one each. While Redis is down the
 * appends wait, bounded: past `maxQueued` (queued and in flight) an append fails at once, and one that waited
 * `unavailableTimeoutMs` fails; both with {@link RedisUnavailableError} (nothing was written). A pipeline
 * whose reply does not come in time fails its appends with {@link OutcomeUnknownError}.
 */
export class StreamProducer {
  private queue: PendingAppend[] = [];
  private inFlight = 0;
  private scheduled = false;
  private sweeper: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  constructor(
    private readonly connection: RedisConnection,
    private readonly maxQueued: number,
    private readonly unavailableTimeoutMs: number,
  ) {
    connection.on('ready', () => this.schedule());
  }

  get queued(): number {
    return this.queue.length + this.inFlight;
  }

  /** Resolves with the entry id once Redis acknowledged the XADD (with AOF everysec: within ~1 s of durability). */
  append(key: string, fields: readonly string[]): Promise<string> {
    if (this.closed) return Promise.reject(new RedisUnavailableError('transport is closed'));
    if (this.queue.length + this.inFlight >= this.maxQueued) return Promise.reject(new QueueFullError(this.maxQueued));
    return new Promise<string>((resolve, reject) => {
      this.queue.push({ key, fields, queuedAt: performance.now(), resolve, reject });
      this.schedule();
    });
  }

  /** Fails what is still queued (never written); appends in flight settle by their own replies or deadline. */
  close(): void {
    this.closed = true;
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    const queued = this.queue;
    this.queue = [];
    for (const item of queued) item.reject(new RedisUnavailableError('transport closed before the message was written'));
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.queue.length === 0) return;
    if (!this.connection.isReady) {
      this.watchOutage();
      return;
    }
    while (this.queue.length > 0) {
      const batch = this.queue.length <= MAX_BATCH ? this.queue : this.queue.slice(0, MAX_BATCH);
      this.queue = this.queue.length <= MAX_BATCH ? [] : this.queue.slice(MAX_BATCH);
      void this.write(batch);
    }
  }

  private async write(batch: PendingAppend[]): Promise<void> {
    this.inFlight += batch.length;
    let replies: (unknown | Error)[];
    try {
      replies = await this.connection.pipeline(batch.map((item) => ['XADD', item.key, '*', ...item.fields]));
    } catch (error) {
      this.inFlight -= batch.length;
      if (error instanceof OutcomeUnknownError) {
        for (const item of batch) item.reject(error);
        return;
      }
      // Not written: back to the front of the queue, to go out when Redis is back (or time out there).
      this.queue = batch.concat(this.queue);
      this.watchOutage();
      return;
    }
    this.inFlight -= batch.length;
    for (let i = 0; i < batch.length; i++) {
      const reply = replies[i];
      if (typeof reply === 'string') batch[i]!.resolve(reply);
      else batch[i]!.reject(reply instanceof Error ? reply : new Error(`XADD replied ${String(reply)}`));
    }
  }

  /** While Redis is down: fail appends that waited too long; retry the rest when it is back ('ready'). */
  private watchOutage(): void {
    if (this.sweeper !== undefined) return;
    const period = Math.max(10, Math.min(100, this.unavailableTimeoutMs / 4));
    this.sweeper = setInterval(() => {
      const now = performance.now();
      const waited = this.queue.filter((item) => now - item.queuedAt >= this.unavailableTimeoutMs);
      if (waited.length > 0) {
        this.queue = this.queue.filter((item) => now - item.queuedAt < this.unavailableTimeoutMs);
        for (const item of waited) item.reject(new RedisUnavailableError(`Redis stayed unreachable for ${this.unavailableTimeoutMs} ms; the message was not written`));
      }
      if (this.connection.isReady) this.schedule();
      if (this.queue.length === 0 || this.connection.isReady) {
        clearInterval(this.sweeper);
        this.sweeper = undefined;
      }
    }, period);
    this.sweeper.unref();
  }
}
