import { AgentBusError, ErrorCode } from '../../errors.ts';
import type { RegistryEntry } from '../../model/registry-snapshot.ts';
import type { RedisConnection, RedisReply } from './connection.ts';
import type { KeyLayout } from './keys.ts';

export interface DirectoryAgent {
  readonly tenantId: string;
  readonly type: string;
  readonly capabilities: readonly string[];
  /** Trust tier for deliberation (0–2): a remote sender is deliberated with its own tier. */
  readonly tier?: number;
}

/**
 * Refreshes the caller's agents: each gets expiry = server TIME + ttl in its tenant's ZSET, its info in the
 * tenant's HASH. Server time, so processes with skewed clocks agree on who is alive.
 * KEYS: agents zset, info hash. ARGV: ttlMs, then (agentId, infoJson) pairs.
 */
const HEARTBEAT = `
local t = redis.call('TIME')
local expiry = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
for i = 2, #ARGV, 2 do
  redis.call('ZADD', KEYS[1], expiry, ARGV[i])
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end
return expiry`;

/**
 * A tenant's live agents, after dropping those whose heartbeats stopped. KEYS: agents zset, info hash.
 * Returns a flat [agentId, infoJson, ...] list.
 */
const LIVE_AGENTS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, id in ipairs(dead) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
end
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', KEYS[2], id) or '{}'
end
return out`;

function parseInfo(tenantId: string, json: string): DirectoryAgent {
  try {
    const info = JSON.parse(json) as { type?: unknown; capabilities?: unknown; tier?: unknown };
    const capabilities = Array.isArray(info.capabilities) ? info.capabilities.filter((c): c is string => typeof c === 'string') : [];
    const tier = info.tier === 1 || info.tier === 2 ? info.tier : 0;
    return { tenantId, type: typeof info.type === 'string' ? info.type : 'agent', capabilities, tier };
  } catch {
    return { tenantId, type: 'agent', capabilities: [] };
  }
}

function sameAgents(a: ReadonlyMap<string, DirectoryAgent>, b: ReadonlyMap<string, DirectoryAgent>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, agent] of a) {
    const other = b.get(id);
    if (other === undefined || other.tenantId !== agent.tenantId || other.type !== agent.type || (other.tier ?? 0) !== (agent.tier ?? 0)) return false;
    if (other.capabilities.join('\0') !== agent.capabilities.join('\0')) return false;
  }
  return true;
}

/**
 * The registry of agents across processes, kept in Redis per tenant with heartbeats and a TTL (an agent
 * whose processes all stopped heartbeating disappears after `ttlMs`), and mirrored locally so a lookup is
 * synchronous: the sender's tenant check reads the mirror, refreshed every heartbeat. The same agent id may
 * be registered in several processes (they share its inbox's consumer group: scale-out), always with one
 * tenant.
 */
export class AgentDirectory {
  private readonly locals = new Map<string, DirectoryAgent>();
  private mirror = new Map<string, DirectoryAgent>();
  private changes = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly listeners = new Set<() => void>();
  private sharedRefresh: Promise<void> | undefined;

  constructor(
    private readonly connection: RedisConnection,
    private readonly keys: KeyLayout,
    private readonly heartbeatMs: number,
    private readonly ttlMs: number,
  ) {}

  /** Bumped whenever the mirror changes: the bus re-snapshots its registry for the workers then. */
  get version(): number {
    return this.changes;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.tick(), this.heartbeatMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A live agent anywhere (this process included), from the mirror. */
  lookup(agentId: string): DirectoryAgent | undefined {
    return this.locals.get(agentId) ?? this.mirror.get(agentId);
  }

  /** Every live agent as the workers' registry snapshot takes them. */
  entries(): RegistryEntry[] {
    const all = new Map(this.mirror);
    for (const [id, agent] of this.locals) all.set(id, agent);
    return [...all].map(([id, agent]) => [id, agent.tenantId, agent.type, agent.capabilities, agent.tier ?? 0] as const);
  }

  isLocal(agentId: string): boolean {
    return this.locals.has(agentId);
  }

  localIds(): string[] {
    return [...this.locals.keys()];
  }

  /** Publishes a local agent; refuses an id that lives in another tenant elsewhere. Visible to peers on return. */
  async register(agentId: string, agent: DirectoryAgent): Promise<void> {
    const known = this.lookup(agentId);
    if (known !== undefined && known.tenantId !== agent.tenantId) {
      throw new AgentBusError(ErrorCode.CONFIG, `agent '${agentId}' is registered in tenant '${known.tenantId}' by another process`);
    }
    this.locals.set(agentId, agent);
    await this.connection.send(['SADD', this.keys.tenants(), agent.tenantId]);
    await this.heartbeatTenant(agent.tenantId, [agentId]);
    this.changed();
  }

  /** Withdraws a local agent. Other processes serving the same id put it back with their next heartbeat. */
  async unregister(agentId: string): Promise<void> {
    const agent = this.locals.get(agentId);
    if (agent === undefined) return;
    this.locals.delete(agentId);
    this.mirror.delete(agentId);
    this.changed();
    await this.connection.transaction([
      ['ZREM', this.keys.tenantAgents(agent.tenantId), agentId],
      ['HDEL', this.keys.tenantInfo(agent.tenantId), agentId],
    ]);
  }

  /** One heartbeat of every local agent, then a fresh mirror. Errors wait for the next tick (Redis may be down). */
  async tick(): Promise<void> {
    try {
      const byTenant = new Map<string, string[]>();
      for (const [id, agent] of this.locals) {
        const ids = byTenant.get(agent.tenantId) ?? [];
        ids.push(id);
        byTenant.set(agent.tenantId, ids);
      }
      await Promise.all([...byTenant].map(([tenantId, ids]) => this.heartbeatTenant(tenantId, ids)));
      await this.refresh();
    } catch {
      // Redis unreachable: the mirror stays as it was (its agents may have left; delivery to them then waits
      // in their inboxes), and the next tick tries again.
    }
  }

  private async heartbeatTenant(tenantId: string, ids: readonly string[]): Promise<void> {
    const argv: string[] = [String(this.ttlMs)];
    for (const id of ids) {
      const agent = this.locals.get(id);
      if (agent !== undefined) argv.push(id, JSON.stringify({ type: agent.type, capabilities: agent.capabilities, tier: agent.tier ?? 0 }));
    }
    if (argv.length === 1) return;
    await this.connection.send(['EVAL', HEARTBEAT, '2', this.keys.tenantAgents(tenantId), this.keys.tenantInfo(tenantId), ...argv]);
  }

  /**
   * A fresh mirror, sharing one read among concurrent callers: a sender that misses an agent registered
   * since the last heartbeat asks once, not once per message.
   */
  refreshShared(): Promise<void> {
    this.sharedRefresh ??= this.refresh().finally(() => (this.sharedRefresh = undefined));
    return this.sharedRefresh;
  }

  /** Reads every tenant's live agents into a new mirror; listeners hear of it only when something changed. */
  async refresh(): Promise<void> {
    const tenants = (await this.connection.send(['SMEMBERS', this.keys.tenants()])) as string[];
    const replies = await this.connection.pipeline(
      tenants.map((tenantId) => ['EVAL', LIVE_AGENTS, '2', this.keys.tenantAgents(tenantId), this.keys.tenantInfo(tenantId)]),
    );
    const next = new Map<string, DirectoryAgent>();
    tenants.forEach((tenantId, i) => {
      const reply = replies[i] as RedisReply | Error;
      if (!Array.isArray(reply)) return;
      for (let j = 0; j + 1 < reply.length; j += 2) next.set(String(reply[j]), parseInfo(tenantId, String(reply[j + 1])));
    });
    if (!sameAgents(next, this.mirror)) {
      this.mirror = next;
      this.changed();
    }
  }

  private changed(): void {
    this.changes++;
    for (const listener of this.listeners) listener();
  }
}
