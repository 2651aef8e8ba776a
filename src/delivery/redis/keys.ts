/**
 * Every Redis key the transport touches. Each agent's keys share one hash tag, `{a:<agentId>}`, so they live
 * in one Redis Cluster slot (a Lua script may touch them together) while different agents spread over the
 * slots. A tenant's registry keys share `{t:<tenantId>}`; a process's reply stream has `{n:<nodeId>}`.
 *
 *   <p>:{a:<agent>}:in            STREAM  the agent's inbox; field `m` = the message (JSON), `r` = reply stream or ''
 *   <p>:{a:<agent>}:dlq           STREAM  dead letters: the inbox fields + orig-id, deliveries, reason
 *   <p>:{a:<agent>}:fx:<msgId>    STRING  the effect ledger of one message: `run:<node>` while a handler runs, then
 *                                         `done:<outcome JSON>` for the dedupe window (exactly one effect per id)
 *   <p>:{a:<agent>}:err           HASH    msgId → last handler failure, read when the entry is dead-lettered
 *   <p>:{t:<tenant>}:agents       ZSET    agentId → expiry (server ms): the tenant's live agents, kept by heartbeats
 *   <p>:{t:<tenant>}:info         HASH    agentId → {type, capabilities} JSON
 *   <p>:tenants                   SET     tenants that have ever registered an agent (the mirror's index)
 *   <p>:{n:<node>}:replies        STREAM  outcomes for the messages this process sent; expires with its heartbeat
 *
 * Consumer group `deliver` on every inbox and on no other stream; consumer name = node id.
 */
export const CONSUMER_GROUP = 'deliver';

export class KeyLayout {
  constructor(private readonly prefix: string) {}

  inbox(agentId: string): string {
    return `${this.prefix}:{a:${agentId}}:in`;
  }

  deadLetters(agentId: string): string {
    return `${this.prefix}:{a:${agentId}}:dlq`;
  }

  effect(agentId: string, messageId: string): string {
    return `${this.prefix}:{a:${agentId}}:fx:${messageId}`;
  }

  failures(agentId: string): string {
    return `${this.prefix}:{a:${agentId}}:err`;
  }

  tenantAgents(tenantId: string): string {
    return `${this.prefix}:{t:${tenantId}}:agents`;
  }

  tenantInfo(tenantId: string): string {
    return `${this.prefix}:{t:${tenantId}}:info`;
  }

  tenants(): string {
    return `${this.prefix}:tenants`;
  }

  replies(nodeId: string): string {
    return `${this.prefix}:{n:${nodeId}}:replies`;
  }

  /** The agent id an inbox key belongs to (XREADGROUP replies name the stream, not the agent). */
  agentOfInbox(key: string): string | undefined {
    const head = `${this.prefix}:{a:`;
    if (!key.startsWith(head) || !key.endsWith('}:in')) return undefined;
    return key.slice(head.length, -'}:in'.length);
  }
}
