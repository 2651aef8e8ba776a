import { setTimeout as sleep } from 'node:timers/promises';
import { reconnectDelay, type RedisCommand, type RedisConnection, type RedisReply } from './connection.ts';
import type { EffectLedger, Finished } from './effect-ledger.ts';
import { encodeOutcomes } from './envelope.ts';
import { asEval, isNoScript } from './lua-script.ts';

interface Pending extends Finished {
  readonly agentId: string;
  readonly replyTo: string;
  readonly done: () => void;
}

/** Most outcomes in one script call or one reply entry (bounded: Lua's unpack and one write of the pipeline). */
const MAX_PER_CALL = 500;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Records the outcomes of handled messages, acknowledges their entries and tells their senders, batched per
 * event-loop turn: every outcome settled in one turn goes out as one pipeline holding one script call per
 * inbox (the ledger's FINISH: every `done` and one XACK) and one XADD per reply stream carrying all of its
 * outcomes — where a message-at-a-time consumer sends three commands per message. A pipeline that does not
 * land (Redis down, outcome unknown) is sent again with backoff, since every part of it is idempotent (a
 * duplicate reply is ignored by its sender); after the consumer stopped it gives up after a few tries, and the
 * entries, still pending, are claimed and found done later.
 */
export class FinishBatcher {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly connection: RedisConnection,
    private readonly ledger: EffectLedger,
    private readonly backoff: { readonly baseMs: number; readonly maxMs: number },
    private readonly stopped: () => boolean,
  ) {}

  /**
   * Calls `done` once the outcome is recorded and the entry acknowledged (or the consumer stopped trying). A
   * callback, not a promise: the consumer settles a whole read batch with one promise.
   */
  finish(agentId: string, replyTo: string, finished: Finished, done: () => void): void {
    this.queue.push({ messageId: finished.messageId, entryId: finished.entryId, outcome: finished.outcome, redelivered: finished.redelivered, agentId, replyTo, done });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    const items = this.queue;
    this.queue = [];
    void this.write(items, 0);
  }

  private async write(items: readonly Pending[], attempt: number): Promise<void> {
    const groups: Pending[][] = [];
    const byAgent = new Map<string, Pending[]>();
    const byReplyStream = new Map<string, Pending[]>();
    for (const item of items) {
      const list = byAgent.get(item.agentId);
      if (list === undefined) byAgent.set(item.agentId, [item]);
      else list.push(item);
      if (item.replyTo !== '') {
        const replies = byReplyStream.get(item.replyTo);
        if (replies === undefined) byReplyStream.set(item.replyTo, [item]);
        else replies.push(item);
      }
    }
    const commands: RedisCommand[] = [];
    for (const [agentId, list] of byAgent) {
      for (const group of chunks(list, MAX_PER_CALL)) {
        groups.push(group);
        commands.push(this.ledger.finishBatchCommand(agentId, group));
      }
    }
    const recorded = commands.length;
    for (const [stream, list] of byReplyStream) {
      for (const group of chunks(list, MAX_PER_CALL)) {
        commands.push(['XADD', stream, 'MAXLEN', '~', '100000', '*', ...encodeOutcomes(group.map((item) => ({ id: item.messageId, outcome: item.outcome })))]);
      }
    }
    let replies: (RedisReply | Error)[] | undefined;
    try {
      replies = await this.connection.pipeline(commands);
      const lost = replies.slice(0, recorded).map((reply, i) => (isNoScript(reply) ? i : -1)).filter((i) => i >= 0);
      if (lost.length > 0) {
        // The server lost its script cache (a restart, a flush): the same calls once more as EVAL.
        const again = await this.connection.pipeline(lost.map((i) => asEval(commands[i]!, this.ledger.finishScript)));
        lost.forEach((i, j) => (replies![i] = again[j]!));
      }
    } catch {
      replies = undefined; // unreachable or outcome unknown: everything is sent again
    }
    const failed: Pending[] = [];
    groups.forEach((group, i) => {
      if (replies === undefined || replies[i] instanceof Error) failed.push(...group);
      else for (const item of group) item.done();
    });
    if (failed.length === 0) return;
    if (this.stopped() && attempt >= 3) {
      for (const item of failed) item.done();
      return;
    }
    await sleep(reconnectDelay(attempt, this.backoff.baseMs, this.backoff.maxMs));
    await this.write(failed, attempt + 1);
  }
}
