import type { RedisCommand, RedisReply } from './connection.ts';
import { CONSUMER_GROUP, type KeyLayout } from './keys.ts';
import { LuaScript } from './lua-script.ts';
import type { RemoteOutcome } from './envelope.ts';

/**
 * Takes the run lease of every message id of one read batch, or says why not, in one script. KEYS: the
 * messages' effect keys (one agent: one hash tag, one slot). ARGV: `run:<node>`, lease ms. Returns, per key,
 * 'run', or the key's value ('run:<a node>' or 'done:<outcome>'), or '' when it vanished between the two
 * calls (treated as busy; the next claim tries again).
 */
const BEGIN_BATCH = new LuaScript(`
local out = {}
for i = 1, #KEYS do
  if redis.call('SET', KEYS[i], ARGV[1], 'NX', 'PX', ARGV[2]) then out[i] = 'run'
  else out[i] = redis.call('GET', KEYS[i]) or '' end
end
return out`);

/**
 * Records the outcomes of handled messages of one inbox and acknowledges their entries, in one script.
 * KEYS: inbox, failures hash, then the messages' effect keys. ARGV: group, dedupe window ms, then per message
 * (entry id, `done:<outcome>`, '1' when redelivered: an earlier failure may be recorded). Returns XACK's count.
 */
const FINISH_BATCH = new LuaScript(`
local ids = {}
for i = 3, #KEYS do
  local base = 3 + (i - 3) * 3
  redis.call('SET', KEYS[i], ARGV[base + 1], 'PX', ARGV[2])
  ids[#ids + 1] = ARGV[base]
  if ARGV[base + 2] == '1' then redis.call('HDEL', KEYS[2], ARGV[base]) end
end
return redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))`);

/** Extends our own lease only (a lease another node took over is left alone). KEYS: effect key. ARGV: run:<node>, ms. */
const EXTEND = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

const DONE_OK = `done:${JSON.stringify({ ok: true })}`;

export type BeginResult = { kind: 'run' } | { kind: 'done'; outcome: RemoteOutcome } | { kind: 'busy'; holder: string };

/** One handled message whose outcome is to be recorded and its entry acknowledged. */
export interface Finished {
  readonly messageId: string;
  readonly entryId: string;
  readonly outcome: RemoteOutcome;
  readonly redelivered: boolean;
}

/**
 * The dedupe ledger that makes a message's handler effect happen once per message id, however often its
 * entry is delivered (a sender's retry after an unknown outcome, a claim from a consumer thought dead):
 *
 * - before the handler: `SET fx run:<node> NX PX lease`: only the lease holder runs the handler; a
 *   redelivery that finds `done:` acks (and replies) without running it; one that finds another node's
 *   live lease leaves the entry pending for a later claim. One script takes the leases of a whole read batch.
 * - after the handler: `SET fx done:<outcome> PX window` and XACK; one script records every outcome of an
 *   inbox settled in the same event-loop turn and acks their entries with one XACK.
 * - on handler failure: the lease is dropped and the failure recorded, so the next delivery may retry.
 *
 * The one gap: a process that dies after its handler's effect and before the `done` write lands (one round
 * trip) leaves a lease that expires, and the message runs again. Handlers with external effects should be
 * idempotent by message id to close it; the ledger makes every other redelivery harmless.
 */
export class EffectLedger {
  constructor(
    private readonly keys: KeyLayout,
    private readonly nodeId: string,
    private readonly leaseMs: number,
    private readonly windowMs: number,
  ) {}

  readonly beginScript = BEGIN_BATCH;
  readonly finishScript = FINISH_BATCH;

  /** The script call that takes the run leases of `messageIds` (one agent's); its reply goes to {@link beginResults}. */
  beginBatchCommand(agentId: string, messageIds: readonly string[]): RedisCommand {
    return BEGIN_BATCH.evalsha(
      messageIds.map((id) => this.keys.effect(agentId, id)),
      [`run:${this.nodeId}`, String(this.leaseMs)],
    );
  }

  beginResults(reply: RedisReply | Error, count: number): BeginResult[] {
    if (reply instanceof Error) throw reply;
    if (!Array.isArray(reply) || reply.length !== count) throw new Error(`lease script replied ${JSON.stringify(reply)?.slice(0, 80)}`);
    return reply.map((value) => this.beginResult(value));
  }

  private beginResult(reply: RedisReply): BeginResult {
    if (reply === 'run') return { kind: 'run' };
    if (typeof reply === 'string' && reply.startsWith('done:')) return { kind: 'done', outcome: parseOutcome(reply.slice(5)) };
    if (reply === `run:${this.nodeId}`) return { kind: 'busy', holder: 'this node' };
    return { kind: 'busy', holder: typeof reply === 'string' && reply.length > 4 ? reply.slice(4) : 'unknown' };
  }

  /** The script call that records the outcomes of one inbox's handled messages and acknowledges their entries. */
  finishBatchCommand(agentId: string, finished: readonly Finished[]): RedisCommand {
    const keys = [this.keys.inbox(agentId), this.keys.failures(agentId)];
    const args = [CONSUMER_GROUP, String(this.windowMs)];
    for (const item of finished) {
      keys.push(this.keys.effect(agentId, item.messageId));
      args.push(item.entryId, item.outcome.ok ? DONE_OK : `done:${JSON.stringify(item.outcome)}`, item.redelivered ? '1' : '0');
    }
    return FINISH_BATCH.evalsha(keys, args);
  }

  /** Keeps a long handler's lease alive. */
  extendCommand(agentId: string, messageId: string): RedisCommand {
    return ['EVAL', EXTEND, '1', this.keys.effect(agentId, messageId), `run:${this.nodeId}`, String(this.leaseMs)];
  }

  /** Commands that give the message back for another delivery, keeping why it failed for the dead-letter entry. */
  failCommands(agentId: string, messageId: string, entryId: string, reason: string): RedisCommand[] {
    return [
      ['HSET', this.keys.failures(agentId), entryId, reason],
      ['DEL', this.keys.effect(agentId, messageId)],
    ];
  }
}

function parseOutcome(json: string): RemoteOutcome {
  try {
    const outcome = JSON.parse(json) as RemoteOutcome;
    if (outcome.ok === true || (outcome.ok === false && typeof outcome.code === 'string')) return outcome;
  } catch {
    // fall through
  }
  return { ok: true };
}
