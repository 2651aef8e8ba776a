import { RedisTransport, type RedisDeliveryOutcome } from '../../src/delivery/redis/transport.ts';
import { acceptMessage } from '../../src/intake/accept.ts';
import { DEFAULT_CONSTITUTIONAL_HASH, DEFAULT_LIMITS, type MessageInput } from '../../src/model/message.ts';

export const TENANT = 'example-tenant';

export async function connect(): Promise<RedisTransport> {
  const transport = new RedisTransport({ url: process.env.REDIS_URL!, keyPrefix: 'example', heartbeatMs: 200, registryTtlMs: 2_000 });
  await transport.start();
  return transport;
}

/**
 * What the bus will do before handing a message to the transport, reduced to what runs without it: intake
 * (shape, types, limits) and the tenant check against the registry that lives in Redis.
 */
export async function send(transport: RedisTransport, input: MessageInput, options: { fireAndForget?: boolean } = {}): Promise<RedisDeliveryOutcome | { status: 'rejected'; reason: string }> {
  const accepted = acceptMessage(input, DEFAULT_CONSTITUTIONAL_HASH, DEFAULT_LIMITS, Date.now());
  if (!accepted.ok) return { status: 'rejected', reason: accepted.rejection.reasons.join('; ') };
  const message = accepted.value.message;
  for (const id of [message.from, message.to]) {
    const agent = transport.lookupRemote(id);
    if (agent !== undefined && agent.tenantId !== message.tenantId) return { status: 'rejected', reason: `'${id}' is not in tenant '${message.tenantId}'` };
  }
  return transport.deliver(message, options);
}

export async function waitForAgents(transport: RedisTransport, ids: readonly string[], ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (ids.some((id) => transport.lookupRemote(id) === undefined)) {
    if (Date.now() > end) throw new Error(`agents ${ids.join(', ')} did not appear in the registry`);
    await transport.refreshRegistry();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
