import { AgentBusError, ErrorCode } from '../errors.ts';
import type { Delivery } from './delivery.ts';
import { InProcessDelivery } from './in-process-delivery.ts';
import { RedisDelivery } from './redis/redis-delivery.ts';
import { RedisTransport } from './redis/transport.ts';
import type { AgentRegistry } from './registry.ts';
import type { TransportOption } from './transport-option.ts';

/** A transport that is up and waits for the bus's registry; `abandon` closes it when the bus never comes to be. */
export interface OpenedDelivery {
  bind(registry: AgentRegistry): Delivery;
  abandon(): Promise<void>;
}

/**
 * Opens the transport the option names: nothing to open in-process; with Redis the transport connects and
 * loads the registry mirror first (E_UNAVAILABLE when Redis cannot be reached, E_CONFIG for bad options), so a
 * bus that starts can deliver.
 */
export async function openDelivery(option: TransportOption | undefined): Promise<OpenedDelivery> {
  const kind = option?.kind ?? 'in-process';
  if (kind === 'in-process') return { bind: (registry) => new InProcessDelivery(registry), abandon: async () => {} };
  if (kind !== 'redis') throw new AgentBusError(ErrorCode.CONFIG, `transport.kind must be 'in-process' or 'redis', got '${String(kind)}'`);
  const { kind: _kind, ...redisOptions } = option as Extract<TransportOption, { kind: 'redis' }>;
  const transport = new RedisTransport(redisOptions);
  await transport.start();
  return { bind: (registry) => new RedisDelivery(registry, transport), abandon: () => transport.close() };
}
