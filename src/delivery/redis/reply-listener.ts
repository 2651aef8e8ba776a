import { setTimeout as sleep } from 'node:timers/promises';
import { reconnectDelay, type RedisConnection } from './connection.ts';
import { decodeOutcomes, fieldsOf, type RemoteOutcome } from './envelope.ts';

/** How a wait for a remote outcome ended when no outcome came. */
export type ReplyWaitEnd = { kind: 'timeout' } | { kind: 'closed' };

interface Waiter {
  readonly settle: (result: RemoteOutcome | ReplyWaitEnd) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * This process's reply stream: consumers append the outcome of each message it sent (unless fire-and-forget),
 * and one blocking XREAD on a dedicated connection settles the waiting sends. The stream is private to the
 * process (its key holds the node id), read from its start, trimmed as it is read, and expires when the
 * process stops refreshing it. A wait ends at its deadline with `timeout`: the remote handler may still run.
 */
export class ReplyListener {
  private readonly waiters = new Map<string, Waiter[]>();
  private lastId = '0-0';
  private stopped = false;

  constructor(
    private readonly reader: RedisConnection,
    private readonly commands: RedisConnection,
    readonly key: string,
    private readonly blockMs: number,
    private readonly expireMs: number,
    private readonly backoff: { baseMs: number; maxMs: number },
  ) {}

  start(): void {
    void this.readLoop();
  }

  get waiting(): number {
    return this.waiters.size;
  }

  /** Registers before the message is written, so a fast reply is not missed. */
  wait(messageId: string, timeoutMs: number): Promise<RemoteOutcome | ReplyWaitEnd> {
    return new Promise((resolve) => {
      const list = this.waiters.get(messageId) ?? [];
      const waiter: Waiter = {
        settle: resolve,
        timer: setTimeout(() => {
          this.drop(messageId, waiter);
          resolve({ kind: 'timeout' });
        }, timeoutMs),
      };
      list.push(waiter);
      this.waiters.set(messageId, list);
    });
  }

  /** Ends one wait early (its message was never written). */
  cancel(messageId: string): void {
    const list = this.waiters.get(messageId);
    const waiter = list?.shift();
    if (waiter !== undefined) clearTimeout(waiter.timer);
    if (list !== undefined && list.length === 0) this.waiters.delete(messageId);
  }

  /** Keeps the stream alive while the process is. */
  async keepAlive(): Promise<void> {
    await this.commands.send(['PEXPIRE', this.key, String(this.expireMs)]).catch(() => {});
  }

  /** Settles every wait with `closed`; the read loop ends when its connection is destroyed. */
  stop(): void {
    this.stopped = true;
    for (const [, list] of this.waiters) {
      for (const waiter of list) {
        clearTimeout(waiter.timer);
        waiter.settle({ kind: 'closed' });
      }
    }
    this.waiters.clear();
  }

  private drop(messageId: string, waiter: Waiter): void {
    const list = this.waiters.get(messageId);
    if (list === undefined) return;
    const index = list.indexOf(waiter);
    if (index >= 0) list.splice(index, 1);
    if (list.length === 0) this.waiters.delete(messageId);
  }

  private async readLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        const reply = await this.reader.sendBlocking(['XREAD', 'COUNT', '1000', 'BLOCK', String(this.blockMs), 'STREAMS', this.key, this.lastId]);
        failures = 0;
        if (reply === null) continue;
        for (const [, entries] of reply as [string, [string, string[]][]][]) {
          for (const [entryId, flat] of entries) {
            this.lastId = entryId;
            for (const decoded of decodeOutcomes(fieldsOf(flat))) {
              const list = this.waiters.get(decoded.id);
              if (list === undefined) continue; // a duplicate reply, or one for a wait that already timed out
              this.waiters.delete(decoded.id);
              for (const waiter of list) {
                clearTimeout(waiter.timer);
                waiter.settle(decoded.outcome);
              }
            }
          }
        }
        // Read replies are done with: trim them so the stream stays as long as the replies in transit.
        void this.commands.send(['XTRIM', this.key, 'MINID', this.lastId]).catch(() => {});
      } catch {
        if (this.stopped) break;
        await sleep(reconnectDelay(failures++, this.backoff.baseMs, this.backoff.maxMs));
      }
    }
  }
}
