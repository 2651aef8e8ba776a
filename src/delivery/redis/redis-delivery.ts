import { ErrorCode } from '../../errors.ts';
import type { AgentMessage } from '../../model/message.ts';
import type { Delivery } from '../delivery.ts';
import type { AgentRegistry, RegisteredAgent } from '../registry.ts';
import type { DeliveryOutcome } from '../route.ts';
import type { RedisDeliveryOutcome, RedisTransport } from './transport.ts';

const DELIVERED: DeliveryOutcome = Object.freeze({ ok: true });
const ACCEPTED: DeliveryOutcome = Object.freeze({ ok: true, accepted: true });

/** The transport's outcome as the bus settles the send. */
export function toDeliveryOutcome(outcome: RedisDeliveryOutcome): DeliveryOutcome {
  switch (outcome.status) {
    case 'delivered':
      return DELIVERED;
    case 'accepted':
      return ACCEPTED;
    case 'failed':
      return { ok: false, status: 'failed', code: outcome.code, reason: outcome.reason };
    case 'unknown-agent':
      return { ok: false, status: 'rejected', code: ErrorCode.UNKNOWN_AGENT, reason: outcome.reason };
  }
}

/**
 * Delivery across processes: every allowed message goes through the recipient's Redis stream — also to an
 * agent of this process, since the same agent may be served by several processes (its consumer group
 * shares the work) and the stream is what makes delivery survive a crash. The bus's registry gets the
 * agents other processes serve (the transport's mirror) as remote entries, so the tenant stage judges
 * against every live agent; it is kept current on every change of the mirror.
 */
export class RedisDelivery implements Delivery {
  readonly kind = 'redis';
  readonly asyncRegistration = true;
  private readonly stopListening: () => void;

  constructor(
    private readonly registry: AgentRegistry,
    readonly transport: RedisTransport,
  ) {
    const mirror = () => registry.setRemote(transport.registryEntries());
    this.stopListening = transport.onRegistryChange(mirror);
    mirror();
  }

  /** The recipient checked again as the message leaves (as in-process: id, tenant, expiry), then its stream. */
  deliver(message: AgentMessage, now: number, fireAndForget: boolean): DeliveryOutcome | Promise<DeliveryOutcome> {
    const agent = this.registry.lookup(message.to);
    if (agent === undefined) {
      return { ok: false, status: 'rejected', code: ErrorCode.UNKNOWN_AGENT, reason: `recipient '${message.to}' is not a registered agent in any process` };
    }
    if (agent.tenantId !== message.tenantId) {
      return { ok: false, status: 'rejected', code: ErrorCode.TENANT, reason: `recipient '${message.to}' is now registered in another tenant than the message's '${message.tenantId}'` };
    }
    if (message.expiresAt !== undefined && message.expiresAt <= now) {
      return { ok: false, status: 'expired', code: ErrorCode.EXPIRED, reason: `message expired ${Math.round(now - message.expiresAt)} ms before delivery` };
    }
    return this.transport.deliver(message, { fireAndForget }).then(toDeliveryOutcome, (error: unknown) => ({
      ok: false as const,
      status: 'failed' as const,
      code: ErrorCode.INTERNAL,
      reason: `redis transport failed: ${error instanceof Error ? error.message : String(error)}`,
    }));
  }

  publish(agent: RegisteredAgent): Promise<void> {
    return this.transport.registerLocal({ id: agent.id, tenantId: agent.tenantId, type: agent.type, capabilities: agent.capabilities, tier: agent.tier, handler: agent.handler });
  }

  withdraw(agentId: string): Promise<void> {
    return this.transport.unregisterLocal(agentId);
  }

  async close(): Promise<void> {
    this.stopListening();
    await this.transport.close();
  }
}
