import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { AgentBusError, ErrorCode } from '../../errors.ts';

/** How the Redis transport connects, batches, reads, recovers and gives up. Every field but `url` has a default. */
export interface RedisTransportOptions {
  /** `redis://host:port[/db]`. */
  url: string;
  /** Prefix of every key, so several buses can share one Redis. No `{` or `}`: those are the hash tags. */
  keyPrefix?: string;
  /** This process's consumer name in every group; unique per boot by default (`host:pid:uuid`). */
  nodeId?: string;
  /** Deadline of one command or pipeline once handed to the client; past it the outcome is unknown. */
  commandTimeoutMs?: number;
  /** XREADGROUP BLOCK: how long one read waits for new entries. */
  blockMs?: number;
  /** XREADGROUP COUNT: most entries one read returns (≥ 100: reads are batched). */
  readCount?: number;
  /** An entry pending this long (its consumer died or hung) is claimed by another consumer. */
  claimIdleMs?: number;
  /** How often each process runs the claim pass. */
  claimIntervalMs?: number;
  /** Deliveries before an entry goes to its agent's dead-letter stream, with the reason. */
  maxDeliveries?: number;
  /** A handler that has not settled by then counts as a failed delivery (retried, then dead-lettered). */
  handlerTimeoutMs?: number;
  /** How long a handled message id is remembered, so a redelivered copy does not run its handler again. */
  dedupeWindowMs?: number;
  /** How long the sender waits for the remote handler's outcome before settling E_TIMEOUT (outcome unknown). */
  replyTimeoutMs?: number;
  /** Registry heartbeat period; an agent whose process stopped heartbeating disappears after `registryTtlMs`. */
  heartbeatMs?: number;
  registryTtlMs?: number;
  /** Messages queued or being written at once; past it (e.g. while Redis is down) deliver() settles E_UNAVAILABLE. */
  maxQueued?: number;
  /** How long a queued message waits for Redis to come back before it settles E_UNAVAILABLE. */
  unavailableTimeoutMs?: number;
  /** Reconnect backoff: first delay, doubling per failed attempt up to the max, with jitter. */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
}

export type ResolvedRedisTransportOptions = Required<RedisTransportOptions>;

const DEFAULTS: Omit<ResolvedRedisTransportOptions, 'url' | 'nodeId'> = {
  keyPrefix: 'agentbus',
  commandTimeoutMs: 2_000,
  blockMs: 1_000,
  readCount: 100,
  claimIdleMs: 30_000,
  claimIntervalMs: 10_000,
  maxDeliveries: 3,
  handlerTimeoutMs: 30_000,
  dedupeWindowMs: 24 * 60 * 60 * 1000,
  replyTimeoutMs: 60_000,
  heartbeatMs: 2_000,
  registryTtlMs: 10_000,
  maxQueued: 10_000,
  unavailableTimeoutMs: 5_000,
  reconnectBaseMs: 50,
  reconnectMaxMs: 2_000,
};

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new AgentBusError(ErrorCode.CONFIG, `redis transport: ${name} must be a positive integer (got ${value})`);
  return value;
}

/** Fills in defaults and rejects what cannot work (a claim idle shorter than a read's wait, a TTL shorter than a heartbeat). */
export function resolveRedisTransportOptions(options: RedisTransportOptions): ResolvedRedisTransportOptions {
  if (typeof options?.url !== 'string' || !/^rediss?:\/\//.test(options.url)) {
    throw new AgentBusError(ErrorCode.CONFIG, `redis transport: url must be a redis:// or rediss:// URL`);
  }
  const resolved: ResolvedRedisTransportOptions = {
    ...DEFAULTS,
    nodeId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  } as ResolvedRedisTransportOptions;
  for (const key of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
    if (key !== 'keyPrefix') positiveInteger(key, resolved[key] as number);
  }
  for (const [name, value] of [['keyPrefix', resolved.keyPrefix], ['nodeId', resolved.nodeId]] as const) {
    if (typeof value !== 'string' || value.length === 0 || /[{}\s]/.test(value)) {
      throw new AgentBusError(ErrorCode.CONFIG, `redis transport: ${name} must be a non-empty string without braces or spaces`);
    }
  }
  if (resolved.readCount < 100) throw new AgentBusError(ErrorCode.CONFIG, `redis transport: readCount must be at least 100 (reads are batched)`);
  if (resolved.claimIdleMs <= resolved.commandTimeoutMs) {
    throw new AgentBusError(ErrorCode.CONFIG, `redis transport: claimIdleMs must exceed commandTimeoutMs, or live consumers' entries get claimed`);
  }
  if (resolved.registryTtlMs < 2 * resolved.heartbeatMs) {
    throw new AgentBusError(ErrorCode.CONFIG, `redis transport: registryTtlMs must be at least twice heartbeatMs`);
  }
  if (resolved.maxDeliveries < 1) throw new AgentBusError(ErrorCode.CONFIG, `redis transport: maxDeliveries must be at least 1`);
  return resolved;
}
