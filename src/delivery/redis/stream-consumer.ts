import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '../../errors.ts';
import type { AgentMessage } from '../../model/message.ts';
import { reconnectDelay, type RedisCommand, type RedisConnection, type RedisReply } from './connection.ts';
import type { BeginResult, EffectLedger } from './effect-ledger.ts';
import { decodeEntry, decodeEnvelope, encodeOutcome, fieldsOf, type RemoteOutcome } from './envelope.ts';
import { FinishBatcher } from './finish-batcher.ts';
import { CONSUMER_GROUP, type KeyLayout } from './keys.ts';
import { claimStale, type ClaimedEntry } from './reclaim.ts';
import type { ResolvedRedisTransportOptions } from './options.ts';
import { TurnBatcher } from './turn-batcher.ts';

export type LocalHandler = (message: AgentMessage) => void | Promise<void>;

const OK: RemoteOutcome = Object.freeze({ ok: true });

/** What the consumer counts, for tests and metrics. */
export interface ConsumerStats {
  handled: number;
  duplicatesSkipped: number;
  claimed: number;
  deadLettered: number;
  /** Pending entries that were trimmed from their stream before anyone handled them. */
  lost: number;
}

/** One entry as read or claimed: its id, its raw fields, how often it was delivered (this time included). */
interface Delivered {
  readonly entryId: string;
  readonly flat: readonly string[];
  readonly deliveries: number;
}

/** An entry whose lease is being taken or whose handler runs here. */
interface Running {
  readonly runKey: string;
  readonly entryId: string;
  readonly message: AgentMessage;
  readonly replyTo: string;
  readonly deliveries: number;
}

/**
 * Entries read but not finished, as a multiple of one read's COUNT: a new read starts while earlier batches
 * are still being leased, handled and acked, so the round trips overlap instead of adding up.
 */
const READ_AHEAD = 4;

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Reads the inboxes of this process's agents through the consumer group `deliver` (one XREADGROUP over all
 * of them, COUNT ≥ 100, BLOCK, on a dedicated connection), runs each entry's handler once per message id
 * (see {@link EffectLedger}), then acknowledges it and sends the outcome to the sender's reply stream. Per
 * read batch that is one script taking every lease, the handlers, and one script recording every outcome and
 * acking (see {@link FinishBatcher}), not a command or three per message.
 * A handler that throws, rejects or outlives `handlerTimeoutMs` leaves its entry pending, to be claimed and
 * tried again after `claimIdleMs`; after `maxDeliveries` it is dead-lettered with the reason and the sender
 * is told. A claim pass every `claimIntervalMs` also takes over the entries of consumers that died.
 */
export class StreamConsumer {
  private readonly handlers = new Map<string, LocalHandler>();
  /** Entries whose handler is running here, by inbox key and entry id: they are not started twice. */
  private readonly running = new Map<string, { agentId: string; messageId: string }>();
  private readonly settled = new Set<Promise<void>>();
  private reading: Promise<void> | undefined;
  private claimTimer: ReturnType<typeof setInterval> | undefined;
  private leaseTimer: ReturnType<typeof setInterval> | undefined;
  private claiming = false;
  private stopped = false;
  private readerClientId: string | undefined;
  private wake: (() => void) | undefined;
  readonly stats: ConsumerStats = { handled: 0, duplicatesSkipped: 0, claimed: 0, deadLettered: 0, lost: 0 };
  /** Lease scripts and failure records of one turn go out as one pipeline. */
  private readonly batch: TurnBatcher;
  /** Outcomes, acks and replies of one turn go out as one pipeline. */
  private readonly finisher: FinishBatcher;

  constructor(
    private readonly reader: RedisConnection,
    private readonly commands: RedisConnection,
    private readonly keys: KeyLayout,
    private readonly ledger: EffectLedger,
    private readonly options: ResolvedRedisTransportOptions,
  ) {
    this.batch = new TurnBatcher(commands);
    this.finisher = new FinishBatcher(commands, ledger, { baseMs: options.reconnectBaseMs, maxMs: options.reconnectMaxMs }, () => this.stopped);
    reader.on('ready', () => {
      this.readerClientId = undefined;
    });
  }

  start(): void {
    this.reading = this.readLoop();
    this.claimTimer = setInterval(() => void this.claimPass(), this.options.claimIntervalMs);
    this.claimTimer.unref();
    this.leaseTimer = setInterval(() => void this.extendLeases(), Math.max(10, Math.floor(this.options.claimIdleMs / 3)));
    this.leaseTimer.unref();
  }

  /** Starts reading an agent's inbox (its group is created at 0, so nothing already there is skipped). */
  async add(agentId: string, handler: LocalHandler): Promise<void> {
    await this.ensureGroup(agentId);
    this.handlers.set(agentId, handler);
    await this.interruptRead();
  }

  async remove(agentId: string): Promise<void> {
    if (!this.handlers.delete(agentId)) return;
    await this.interruptRead();
  }

  /** Stops reading and claiming, then waits (up to `handlerTimeoutMs`) for running handlers to settle and ack. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.claimTimer);
    clearInterval(this.leaseTimer);
    this.wake?.();
    await this.interruptRead().catch(() => {});
    await Promise.race([Promise.allSettled([...this.settled]), sleep(this.options.handlerTimeoutMs, undefined, { ref: false })]);
    await Promise.race([this.reading, sleep(this.options.commandTimeoutMs, undefined, { ref: false })]);
  }

  private async ensureGroup(agentId: string): Promise<void> {
    try {
      await this.commands.send(['XGROUP', 'CREATE', this.keys.inbox(agentId), CONSUMER_GROUP, '0', 'MKSTREAM']);
    } catch (error) {
      if (!/BUSYGROUP/.test(String(error))) throw error;
    }
  }

  /** A blocked XREADGROUP does not see a new agent until it returns: unblock it now. */
  private async interruptRead(): Promise<void> {
    this.wake?.();
    if (this.readerClientId !== undefined) await this.commands.send(['CLIENT', 'UNBLOCK', this.readerClientId]).catch(() => {});
  }

  private async readLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const agents = [...this.handlers.keys()];
      if (agents.length === 0 || this.running.size >= READ_AHEAD * this.options.readCount) {
        // Woken when an agent is added or entries finish (release), or after blockMs at the latest.
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, this.options.blockMs).unref();
        });
        this.wake = undefined;
        continue;
      }
      try {
        if (this.readerClientId === undefined) this.readerClientId = String(await this.reader.send(['CLIENT', 'ID']));
        const inboxes = agents.map((id) => this.keys.inbox(id));
        const reply = await this.reader.sendBlocking([
          'XREADGROUP', 'GROUP', CONSUMER_GROUP, this.options.nodeId,
          'COUNT', String(this.options.readCount), 'BLOCK', String(this.options.blockMs),
          'STREAMS', ...inboxes, ...inboxes.map(() => '>'),
        ]);
        failures = 0;
        if (reply === null || this.stopped) continue;
        for (const [inbox, entries] of reply as [string, [string, string[] | null][]][]) {
          const agentId = this.keys.agentOfInbox(inbox);
          if (agentId === undefined) continue;
          this.track(this.handleBatch(agentId, entries.map(([entryId, fields]) => ({ entryId, flat: fields ?? [], deliveries: 1 }))));
        }
      } catch (error) {
        if (this.stopped) break;
        // NOGROUP: the stream or its group vanished (a restart without persistence, a deleted key): recreate at 0.
        if (/NOGROUP/.test(String(error))) await Promise.all(agents.map((id) => this.ensureGroup(id).catch(() => {})));
        await sleep(reconnectDelay(failures++, this.options.reconnectBaseMs, this.options.reconnectMaxMs));
      }
    }
  }

  private track(work: Promise<void>): void {
    this.settled.add(work);
    void work.finally(() => this.settled.delete(work));
  }

  /**
   * One delivery of a batch of one inbox's entries: their leases in one script, then each handler, each
   * outcome recorded and acked (batched per turn by the finisher). Never throws; settles once every entry
   * is finished with; an entry that could not be leased (Redis unreachable, another node's live lease) stays
   * pending for a later claim.
   */
  private async handleBatch(agentId: string, entries: readonly Delivered[]): Promise<void> {
    const inbox = this.keys.inbox(agentId);
    const batch: Running[] = [];
    for (const entry of entries) {
      const runKey = `${inbox}\0${entry.entryId}`;
      if (this.running.has(runKey)) continue;
      const decoded = decodeEntry(entry.flat);
      if (!decoded.ok) {
        this.track(this.deadLetterNow(agentId, entry.entryId, entry.flat, decoded.reason));
        continue;
      }
      const { message, replyTo } = decoded.envelope;
      this.running.set(runKey, { agentId, messageId: message.id });
      batch.push({ runKey, entryId: entry.entryId, message, replyTo, deliveries: entry.deliveries });
    }
    if (batch.length === 0) return;
    let begins: BeginResult[];
    try {
      const command = this.ledger.beginBatchCommand(agentId, batch.map((item) => item.message.id));
      begins = this.ledger.beginResults(await this.batch.runScript(command, this.ledger.beginScript), batch.length);
    } catch {
      for (const item of batch) this.release(item.runKey); // Redis unreachable: the entries stay pending and are claimed again later.
      return;
    }
    // One promise for the batch, not one per entry: each entry calls `finished` exactly once.
    await new Promise<void>((resolve) => {
      let open = batch.length;
      const finished = (runKey: string) => {
        this.release(runKey);
        if (--open === 0) resolve();
      };
      for (let i = 0; i < batch.length; i++) this.complete(agentId, batch[i]!, begins[i]!, finished);
    });
  }

  /** After the lease: skip, finish a duplicate, or run the handler and record its outcome; then `finished(runKey)`. */
  private complete(agentId: string, item: Running, begin: BeginResult, finished: (runKey: string) => void): void {
    const { runKey, entryId, message, replyTo } = item;
    const redelivered = item.deliveries > 1;
    const record = (outcome: RemoteOutcome) => this.finisher.finish(agentId, replyTo, { messageId: message.id, entryId, outcome, redelivered }, () => finished(runKey));
    const giveBack = (reason: string) => {
      this.batch.run(this.ledger.failCommands(agentId, message.id, entryId, reason)).then(
        () => finished(runKey),
        () => finished(runKey),
      );
    };
    // Another consumer's live lease, or a copy of this message already running here: leave the entry pending;
    // a later claim finds the outcome recorded and acks it without running the handler.
    if (begin.kind === 'busy' && (begin.holder !== 'this node' || this.runningElsewhere(runKey, agentId, message.id))) {
      finished(runKey);
      return;
    }
    if (begin.kind === 'done') {
      this.stats.duplicatesSkipped++;
      record(begin.outcome);
      return;
    }
    const handler = this.handlers.get(agentId);
    if (handler === undefined) {
      // Unregistered while the entry was on its way: give it back for another process serving the agent.
      giveBack(`agent '${agentId}' left this process`);
      return;
    }
    let result: void | Promise<void>;
    try {
      result = handler(message);
    } catch (error) {
      this.stats.handled++;
      giveBack(`handler of '${message.to}' failed: ${describe(error)}`);
      return;
    }
    if (result === undefined || result === null || typeof (result as Promise<void>).then !== 'function') {
      // A synchronous handler: its outcome joins this turn's record-and-ack script.
      this.stats.handled++;
      record(OK);
      return;
    }
    void this.settleHandler(result as Promise<void>, message).then((failure) => {
      this.stats.handled++;
      if (failure === undefined) record(OK);
      else giveBack(failure);
    });
  }

  private release(runKey: string): void {
    this.running.delete(runKey);
    this.wake?.();
  }

  private runningElsewhere(runKey: string, agentId: string, messageId: string): boolean {
    for (const [key, run] of this.running) if (key !== runKey && run.agentId === agentId && run.messageId === messageId) return true;
    return false;
  }

  /** Undefined when the handler's promise settled well in time; otherwise why it did not. Never rejects. */
  private async settleHandler(result: Promise<void>, message: AgentMessage): Promise<string | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const timeout = new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve(`handler of '${message.to}' did not settle within ${this.options.handlerTimeoutMs} ms`), this.options.handlerTimeoutMs);
      });
      return await Promise.race([Promise.resolve(result).then(() => undefined), timeout]);
    } catch (error) {
      return `handler of '${message.to}' failed: ${describe(error)}`;
    } finally {
      clearTimeout(timer);
    }
  }

  /** An entry that is not a message at all cannot succeed on any consumer: dead-letter it at once. */
  private async deadLetterNow(agentId: string, entryId: string, flat: readonly string[], reason: string): Promise<void> {
    await this.commands
      .transaction([
        ['XADD', this.keys.deadLetters(agentId), '*', ...flat, 'orig-id', entryId, 'deliveries', '1', 'reason', reason],
        ['XACK', this.keys.inbox(agentId), CONSUMER_GROUP, entryId],
      ])
      .then(() => this.stats.deadLettered++)
      .catch(() => {});
  }

  /** Claims stale entries of every local inbox, handles them, and tells senders about the dead-lettered ones. */
  async claimPass(): Promise<void> {
    if (this.claiming || this.stopped || !this.commands.isReady) return;
    this.claiming = true;
    try {
      for (const agentId of [...this.handlers.keys()]) {
        const pass = await claimStale(this.commands, this.keys, agentId, {
          consumer: this.options.nodeId,
          minIdleMs: this.options.claimIdleMs,
          count: this.options.readCount,
          maxDeliveries: this.options.maxDeliveries,
        });
        this.stats.claimed += pass.claimed.length;
        this.stats.deadLettered += pass.dead.length;
        this.stats.lost += pass.lost;
        if (pass.claimed.length > 0) {
          this.track(this.handleBatch(agentId, pass.claimed.map((entry) => ({ entryId: entry.entryId, flat: entry.fields, deliveries: entry.deliveries }))));
        }
        const replies: RedisCommand[] = [];
        for (const entry of pass.dead) {
          const reply = this.deadLetterReply(entry);
          if (reply !== undefined) replies.push(reply);
        }
        await this.commands.pipeline(replies).catch(() => {});
      }
    } catch {
      // Redis unreachable mid-pass: the next pass starts over (claims are idempotent past min-idle).
    } finally {
      this.claiming = false;
    }
  }

  private deadLetterReply(entry: ClaimedEntry & { reason: string }): RedisCommand | undefined {
    const decoded = decodeEnvelope(fieldsOf(entry.fields));
    if (!decoded.ok || decoded.envelope.replyTo === '') return undefined;
    const handlerFailed = entry.reason.startsWith('handler of ');
    const outcome: RemoteOutcome = {
      ok: false,
      code: handlerFailed ? ErrorCode.HANDLER : ErrorCode.POISON_MESSAGE,
      reason: `dead-lettered after ${entry.deliveries} deliveries: ${entry.reason}`,
    };
    return ['XADD', decoded.envelope.replyTo, 'MAXLEN', '~', '100000', '*', ...encodeOutcome(decoded.envelope.message.id, outcome)];
  }

  /**
   * A handler still running holds its lease and its entry: reset the entry's idle time (XCLAIM JUSTID adds
   * no delivery) and the lease's expiry, so a long handler is neither claimed nor run twice.
   */
  private async extendLeases(): Promise<void> {
    if (this.running.size === 0 || !this.commands.isReady) return;
    const commands: RedisCommand[] = [];
    for (const [runKey, { agentId, messageId }] of this.running) {
      const entryId = runKey.slice(runKey.indexOf('\0') + 1);
      commands.push(['XCLAIM', this.keys.inbox(agentId), CONSUMER_GROUP, this.options.nodeId, '0', entryId, 'JUSTID']);
      commands.push(this.ledger.extendCommand(agentId, messageId));
    }
    await this.commands.pipeline(commands).catch(() => {});
  }
}

export type { RedisReply };
