import type { AgentBus } from '../../src/index.ts';

/**
 * The agents the example serves, all in tenant `acme`: `planner` (an orchestrator), `coder`, `auditor` (the
 * only type the default policy lets receive audit_log), and `reviewer`, whose handler takes `reviewerDelayMs`
 * (a slow recipient, to watch in-flight and draining). A real service registers its own.
 */
export function registerDemoAgents(bus: AgentBus, options: { reviewerDelayMs?: number } = {}): void {
  const delay = options.reviewerDelayMs ?? 0;
  bus.registerAgent({ id: 'planner', tenantId: 'acme', type: 'orchestrator', handler: () => {} });
  bus.registerAgent({ id: 'coder', tenantId: 'acme', handler: () => {} });
  bus.registerAgent({ id: 'auditor', tenantId: 'acme', type: 'auditor', handler: () => {} });
  bus.registerAgent({ id: 'treasurer', tenantId: 'acme', tier: 2, handler: () => {} });
  bus.registerAgent({
    id: 'reviewer',
    tenantId: 'acme',
    handler: () => (delay > 0 ? new Promise<void>((resolve) => setTimeout(resolve, delay)) : undefined),
  });
}
