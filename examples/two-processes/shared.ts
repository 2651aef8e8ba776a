import { createAgentBus, type AgentBus } from '../../src/index.ts';

export const TENANT = 'example-tenant';

/**
 * A bus whose agents can talk to agents of other processes: the bundled policy judges every message in the
 * sending process, then the Redis transport carries it to whichever process serves the recipient. Short
 * heartbeats so each process sees the other's agents within a fraction of a second.
 */
export function connect(): Promise<AgentBus> {
  return createAgentBus({
    workers: 1,
    deliberation: false,
    log: () => {},
    transport: { kind: 'redis', url: process.env.REDIS_URL!, keyPrefix: 'example', heartbeatMs: 200, registryTtlMs: 2_000 },
  });
}

/** Waits until the agents other processes serve are in this bus's registry (one heartbeat, normally). */
export async function waitForAgents(bus: AgentBus, ids: readonly string[], ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (ids.some((id) => bus.findAgent(id) === undefined)) {
    if (Date.now() > end) throw new Error(`agents ${ids.join(', ')} did not appear in the registry`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
