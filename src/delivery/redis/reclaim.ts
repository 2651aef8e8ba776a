import type { RedisConnection, RedisReply } from './connection.ts';
import { CONSUMER_GROUP, type KeyLayout } from './keys.ts';

/**
 * One XAUTOCLAIM page of an inbox's entries idle past min-idle (their consumer died, hung or stalled), with
 * dead-lettering in the same script so no other consumer sees the entry in between: an entry whose delivery
 * count (XAUTOCLAIM adds one) passed maxDeliveries goes to the dead-letter stream with its fields, its
 * original id, its deliveries and the reason (the last handler failure, or none recorded: its consumers
 * died or hung), and is acknowledged.
 *
 * KEYS: inbox, dlq, failures hash (one hash tag: one slot).
 * ARGV: group, consumer, min-idle ms, count, max deliveries, start cursor.
 * Returns { next cursor, claimed [[id, fields, deliveries]...], dead [[id, fields, deliveries, reason]...], lost count }.
 */
const CLAIM_OR_DEAD_LETTER = `
local page = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[6], 'COUNT', ARGV[4])
local claimed, dead = {}, {}
local max = tonumber(ARGV[5])
for _, entry in ipairs(page[2]) do
  local id, fields = entry[1], entry[2]
  if fields then
    local pending = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1)
    local deliveries = pending[1] and tonumber(pending[1][4]) or 1
    if deliveries > max then
      local reason = redis.call('HGET', KEYS[3], id)
      if not reason then reason = 'no acknowledgement after ' .. max .. ' deliveries (its consumers died or hung)' end
      local args = {}
      for i = 1, #fields do args[#args + 1] = fields[i] end
      args[#args + 1] = 'orig-id'; args[#args + 1] = id
      args[#args + 1] = 'deliveries'; args[#args + 1] = tostring(deliveries - 1)
      args[#args + 1] = 'reason'; args[#args + 1] = reason
      redis.call('XADD', KEYS[2], '*', unpack(args))
      redis.call('XACK', KEYS[1], ARGV[1], id)
      redis.call('HDEL', KEYS[3], id)
      dead[#dead + 1] = {id, fields, deliveries - 1, reason}
    else
      claimed[#claimed + 1] = {id, fields, deliveries}
    end
  end
end
local lost = page[3] and #page[3] or 0
return {page[1], claimed, dead, lost}`;

export interface ClaimedEntry {
  readonly entryId: string;
  readonly fields: readonly string[];
  readonly deliveries: number;
}

export interface DeadEntry extends ClaimedEntry {
  readonly reason: string;
}

export interface ClaimPass {
  readonly claimed: ClaimedEntry[];
  readonly dead: DeadEntry[];
  /** Entries pending but deleted from the stream (trimmed): gone, counted, cleaned from the group. */
  readonly lost: number;
}

export interface ClaimOptions {
  readonly consumer: string;
  readonly minIdleMs: number;
  readonly count: number;
  readonly maxDeliveries: number;
}

/** Claims every stale entry of one agent's inbox for `consumer`, page by page until the cursor wraps. */
export async function claimStale(connection: RedisConnection, keys: KeyLayout, agentId: string, options: ClaimOptions): Promise<ClaimPass> {
  const pass: ClaimPass = { claimed: [], dead: [], lost: 0 };
  let lost = 0;
  let cursor = '0-0';
  do {
    const reply = (await connection.send([
      'EVAL',
      CLAIM_OR_DEAD_LETTER,
      '3',
      keys.inbox(agentId),
      keys.deadLetters(agentId),
      keys.failures(agentId),
      CONSUMER_GROUP,
      options.consumer,
      String(options.minIdleMs),
      String(options.count),
      String(options.maxDeliveries),
      cursor,
    ])) as RedisReply[];
    cursor = String(reply[0]);
    for (const row of reply[1] as RedisReply[][]) {
      pass.claimed.push({ entryId: String(row[0]), fields: row[1] as string[], deliveries: Number(row[2]) });
    }
    for (const row of reply[2] as RedisReply[][]) {
      pass.dead.push({ entryId: String(row[0]), fields: row[1] as string[], deliveries: Number(row[2]), reason: String(row[3]) });
    }
    lost += Number(reply[3]);
  } while (cursor !== '0-0');
  return { ...pass, lost };
}
