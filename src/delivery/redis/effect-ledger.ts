import type { RedisCommand, RedisReply } from './connection.ts';
import { CONSUMER_GROUP, type KeyLayout } from './keys.ts';
import type { RemoteOutcome } from './envelope.ts';

/**
 * Takes the run lease of one message id, or says why not. KEYS: the message's effect key.
 * ARGV: `run:<node>`, lease ms. Returns 'run', or the key's value ('run:<other node>' or 'done:<outcome>'),
 * or false when the key vanished between the two calls (treated as busy; the next claim tries again).
 */
const BEGIN = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 'run' end
return redis.call('GET', KEYS[1])`;

/** Extends our own lease only (a lease another node took over is left alone). KEYS: effect key. ARGV: run:<node>, ms. */
const EXTEND = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

export type BeginResult = { kind: 'run' } | { kind: 'done'; outcome: RemoteOutcome } | { kind: 'busy'; holder: string };

/**
 * The dedupe ledger that makes a message's handler effect happen once per message id, however often its
 * entry is delivered (a sender's retry after an unknown outcome, a claim from a consumer thought dead):
 *
 * - before the handler: `SET fx run:<node> NX PX lease`: only the lease holder runs the handler; a
 *   redelivery that finds `done:` acks (and replies) without running it; one that finds another node's
 *   live lease leaves the entry pending for a later claim.
 * - after the handler: `SET fx done:<outcome> PX window` and XACK, in one pipeline with the reply.
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

  /** The command that takes the run lease; its reply goes to {@link beginResult}. Batched by the caller. */
  beginCommand(agentId: string, messageId: string): RedisCommand {
    return ['EVAL', BEGIN, '1', this.keys.effect(agentId, messageId), `run:${this.nodeId}`, String(this.leaseMs)];
  }

  beginResult(reply: RedisReply | Error): BeginResult {
    if (reply instanceof Error) throw reply;
    if (reply === 'run') return { kind: 'run' };
    if (typeof reply === 'string' && reply.startsWith('done:')) return { kind: 'done', outcome: parseOutcome(reply.slice(5)) };
    if (reply === `run:${this.nodeId}`) return { kind: 'busy', holder: 'this node' };
    return { kind: 'busy', holder: typeof reply === 'string' ? reply.slice(4) : 'unknown' };
  }

  /** Keeps a long handler's lease alive. */
  extendCommand(agentId: string, messageId: string): RedisCommand {
    return ['EVAL', EXTEND, '1', this.keys.effect(agentId, messageId), `run:${this.nodeId}`, String(this.leaseMs)];
  }

  /** Commands that record the outcome and acknowledge the entry; sent in one pipeline with the reply. */
  finishCommands(agentId: string, messageId: string, entryId: string, outcome: RemoteOutcome, redelivered: boolean): RedisCommand[] {
    const commands: RedisCommand[] = [
      ['SET', this.keys.effect(agentId, messageId), `done:${JSON.stringify(outcome)}`, 'PX', String(this.windowMs)],
      ['XACK', this.keys.inbox(agentId), CONSUMER_GROUP, entryId],
    ];
    // Only a redelivered entry can have a failure recorded from an earlier delivery.
    if (redelivered) commands.push(['HDEL', this.keys.failures(agentId), entryId]);
    return commands;
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
