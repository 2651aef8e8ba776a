import { AgentBusError, ErrorCode } from '../errors.ts';
import { batchLength, emptyBatch, pushOutcome, pushRecord, type AuditBatch } from './batch.ts';
import type { ChainHead } from './chain-writer.ts';
import type { AuditDeliberation, AuditedMessage, AuditRecord } from './record.ts';
import { openInlineSink, openThreadSink, type ChainSink } from './sink.ts';

export type AuditOnFull = 'backpressure' | 'drop-and-count';

export interface AuditLogOptions {
  /** The log's first file (JSON Lines; name it `*.jsonl`); rotated files go beside it. */
  file: string;
  /** Rotate before a file would pass this many bytes. Default 64 MiB. */
  maxBytes?: number;
  /**
   * When `maxQueued` records wait for the writer: `backpressure` (default) marks the log not writable, and
   * the bus stops admitting messages until it drains, losing nothing; `drop-and-count` drops new records and
   * counts them (`stats().dropped`), never slowing the bus.
   */
  onFull?: AuditOnFull;
  /** Records waiting for the writer before the log is full. Default 65,536. */
  maxQueued?: number;
  /**
   * Backpressure only: room past `maxQueued` for the records of messages the bus admitted before it saw the
   * log full (they settle, and are recorded, after). Set it to the bus's `maxInFlight`. Default 65,536.
   */
  reserve?: number;
  /** Most records per write. Default 4,096. */
  maxBatch?: number;
  /**
   * Longest a record waits for more to share its write, in ms. Default 5: each write costs a message to the
   * writer thread and back and a system call, whatever its size, so writing what one macrotask gathered
   * (tens of records under load) spent more CPU on writes than on records. 0 writes every macrotask.
   */
  lingerMs?: number;
  /** Serialize, hash and write on the log's own thread (default); `false` does it on this thread. */
  thread?: boolean;
  /** `fdatasync` after every batch. Default false. */
  fsync?: boolean;
}

export interface AuditStats {
  /** Records accepted by `append`. */
  appended: number;
  /** Records the writer has written. */
  written: number;
  /** Accepted, not yet written. */
  queued: number;
  /** `drop-and-count`: records refused because the log was full. */
  dropped: number;
  /** `backpressure`: records refused because even the reserve was full (the caller ignored `writable`). */
  overflowed: number;
  /** Records accepted but never written because the writer failed. */
  lost: number;
}

const DEFAULTS = { maxBytes: 64 * 1024 * 1024, maxQueued: 65_536, reserve: 65_536, maxBatch: 4_096, lingerMs: 5 } as const;
const RESOLVED = Promise.resolve();

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (!Number.isSafeInteger(chosen) || chosen <= 0) throw new AgentBusError(ErrorCode.CONFIG, `audit.${name} must be a positive integer`);
  return chosen;
}

/**
 * The audit trail: a hash-chained JSON Lines log of every verdict. `append` costs the caller a push per
 * field (records wait in columns, in batches of `maxBatch`); a macrotask later the oldest batch goes to the
 * writer (its own thread by default), one write at a time, and the next batch gathers meanwhile.
 *
 * Backpressure, as the bus applies it: `append` never waits — the bus calls it in `settle()` for every
 * message, and the records of admitted messages always fit (`reserve`). Waiting happens at admission: before
 * admitting a message, the bus reads `writable` (a field read) and, when false, awaits `whenWritable()` —
 * the same wait, with the same `admissionTimeoutMs` and E_OVERLOADED, as for a free in-flight slot. The log
 * turns not writable at `maxQueued` waiting records and writable again at half that, so admission does not
 * flap. If the writer fails (disk full, permissions), the log stays failed: `whenWritable()` rejects, and
 * the bus should refuse new messages rather than govern them unrecorded.
 */
export class AuditLog {
  private readonly batches: AuditBatch[] = [];
  private queued = 0;
  private appended = 0;
  private written = 0;
  private dropped = 0;
  private overflowed = 0;
  private lost = 0;
  private blocked = false;
  private writing = false;
  private scheduled = false;
  private closing: Promise<void> | null = null;
  private failure: Error | null = null;
  private lastHead: ChainHead;
  private writableWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private flushWaiters: { target: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  private readonly onFull: AuditOnFull;
  private readonly maxQueued: number;
  private readonly lowWater: number;
  private readonly limit: number;
  private readonly maxBatch: number;
  private readonly lingerMs: number;

  private constructor(
    private readonly sink: ChainSink,
    options: Required<Pick<AuditLogOptions, 'onFull' | 'maxQueued' | 'reserve' | 'maxBatch' | 'lingerMs'>>,
  ) {
    this.onFull = options.onFull;
    this.maxQueued = options.maxQueued;
    this.lowWater = Math.floor(options.maxQueued / 2);
    this.limit = options.onFull === 'backpressure' ? options.maxQueued + options.reserve : options.maxQueued;
    this.maxBatch = options.maxBatch;
    this.lingerMs = options.lingerMs;
    this.lastHead = sink.initialHead;
  }

  /** Opens (or resumes) the log. Throws E_CONFIG for bad options or a log that cannot be opened or extended. */
  static async open(options: AuditLogOptions): Promise<AuditLog> {
    if (options === null || typeof options !== 'object' || typeof options.file !== 'string' || options.file.length === 0) {
      throw new AgentBusError(ErrorCode.CONFIG, 'audit.file must be a non-empty path');
    }
    const onFull = options.onFull ?? 'backpressure';
    if (onFull !== 'backpressure' && onFull !== 'drop-and-count') {
      throw new AgentBusError(ErrorCode.CONFIG, "audit.onFull must be 'backpressure' or 'drop-and-count'");
    }
    const resolved = {
      onFull,
      maxQueued: positiveInteger('maxQueued', options.maxQueued, DEFAULTS.maxQueued),
      reserve: positiveInteger('reserve', options.reserve, DEFAULTS.reserve),
      maxBatch: positiveInteger('maxBatch', options.maxBatch, DEFAULTS.maxBatch),
      lingerMs: options.lingerMs ?? DEFAULTS.lingerMs,
    };
    if (!Number.isFinite(resolved.lingerMs) || resolved.lingerMs < 0) throw new AgentBusError(ErrorCode.CONFIG, 'audit.lingerMs must be a non-negative number');
    const writerOptions = { file: options.file, maxBytes: positiveInteger('maxBytes', options.maxBytes, DEFAULTS.maxBytes), fsync: options.fsync === true };
    let sink: ChainSink;
    try {
      sink = options.thread === false ? await openInlineSink(writerOptions) : await openThreadSink(writerOptions);
    } catch (error) {
      throw new AgentBusError(ErrorCode.CONFIG, `cannot open the audit log ${options.file}: ${(error as Error).message}`, { cause: error });
    }
    return new AuditLog(sink, resolved);
  }

  /**
   * Records one verdict; O(1), never waits. Returns false when the record was not kept: the log is full in
   * `drop-and-count` mode (counted in `dropped`), past its reserve in `backpressure` mode (`overflowed`), or
   * failed (`lost`). Throws E_CLOSED after `close()`.
   */
  append(record: AuditRecord): boolean {
    const tail = this.room();
    if (tail === null) return false;
    pushRecord(tail, record);
    this.accepted();
    return true;
  }

  /**
   * The same as `append(auditRecordOf(...))` without building the record: the fields go straight into the
   * batch's columns. For the bus's `settle()`, once per message.
   */
  appendOutcome(
    time: number,
    message: AuditedMessage,
    status: string,
    code: string | undefined,
    reasons: readonly string[],
    policyRevision?: string,
    deliberation?: AuditDeliberation,
  ): boolean {
    const tail = this.room();
    if (tail === null) return false;
    pushOutcome(tail, time, message, status, code, reasons, policyRevision, deliberation);
    this.accepted();
    return true;
  }

  /** False while the bus should hold admission (backpressure, full) or the log has failed. */
  get writable(): boolean {
    return !this.blocked && this.failure === null;
  }

  /** Resolves when the log takes records again; rejects (E_INTERNAL) if the log failed. */
  whenWritable(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failedError());
    if (!this.blocked) return RESOLVED;
    return new Promise((resolve, reject) => this.writableWaiters.push({ resolve, reject }));
  }

  /** Resolves when every record appended so far is written; rejects if the writer failed first. */
  flush(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failedError());
    if (this.written >= this.appended) return RESOLVED;
    const target = this.appended;
    return new Promise((resolve, reject) => this.flushWaiters.push({ target, resolve, reject }));
  }

  /** Writes what is queued, then stops the writer. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.flush();
      } finally {
        await this.sink.close();
      }
    })();
    return this.closing;
  }

  /** The chain's head as last written: publish `hash` somewhere else to make a cut tail detectable. */
  head(): ChainHead {
    return this.lastHead;
  }

  /** True once `close()` was called: `append` would throw. */
  get closed(): boolean {
    return this.closing !== null;
  }

  get failed(): Error | null {
    return this.failure;
  }

  stats(): AuditStats {
    return { appended: this.appended, written: this.written, queued: this.queued, dropped: this.dropped, overflowed: this.overflowed, lost: this.lost };
  }

  /** The batch a new record goes to, or null (counted) when the record cannot be kept. */
  private room(): AuditBatch | null {
    if (this.closing !== null) throw new AgentBusError(ErrorCode.CLOSED, 'the audit log is closed');
    if (this.failure !== null) {
      this.lost++;
      return null;
    }
    if (this.queued >= this.limit) {
      if (this.onFull === 'drop-and-count') this.dropped++;
      else this.overflowed++;
      return null;
    }
    let tail = this.batches[this.batches.length - 1];
    if (tail === undefined || batchLength(tail) >= this.maxBatch) this.batches.push((tail = emptyBatch()));
    return tail;
  }

  private accepted(): void {
    this.queued++;
    this.appended++;
    if (this.queued >= this.maxQueued && this.onFull === 'backpressure') this.blocked = true;
    this.schedule();
  }

  private failedError(): AgentBusError {
    return new AgentBusError(ErrorCode.INTERNAL, `the audit log failed: ${this.failure!.message}`, { cause: this.failure });
  }

  /** The next write: now when a batch is full, else once the oldest record has lingered. */
  private schedule(): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    const full = this.batches.length > 1 || batchLength(this.batches[0]!) >= this.maxBatch;
    if (full || this.lingerMs === 0) setImmediate(this.pump);
    else setTimeout(this.pump, this.lingerMs);
  }

  private readonly pump = (): void => {
    this.scheduled = false;
    if (this.writing || this.failure !== null) return;
    const batch = this.batches.shift();
    if (batch === undefined) return;
    const n = batchLength(batch);
    this.writing = true;
    this.sink.write(batch).then(
      (head) => {
        this.writing = false;
        this.lastHead = head;
        this.queued -= n;
        this.written += n;
        if (this.blocked && this.queued <= this.lowWater) {
          this.blocked = false;
          const waiters = this.writableWaiters;
          this.writableWaiters = [];
          for (const waiter of waiters) waiter.resolve();
        }
        if (this.flushWaiters.length > 0) {
          const still: typeof this.flushWaiters = [];
          for (const waiter of this.flushWaiters) {
            if (this.written >= waiter.target) waiter.resolve();
            else still.push(waiter);
          }
          this.flushWaiters = still;
        }
        if (this.queued > 0) this.schedule();
      },
      (error: unknown) => this.fail(error as Error),
    );
  };

  private fail(error: Error): void {
    this.writing = false;
    this.failure = error;
    this.lost += this.queued;
    this.queued = 0;
    this.batches.length = 0;
    const failed = this.failedError();
    for (const waiter of this.writableWaiters) waiter.reject(failed);
    for (const waiter of this.flushWaiters) waiter.reject(failed);
    this.writableWaiters = [];
    this.flushWaiters = [];
  }
}
