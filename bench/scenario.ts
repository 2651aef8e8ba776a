import type { AgentBus } from '../src/bus.ts';
import { MessageType, Priority, type MessageInput } from '../src/message.ts';

/**
 * The default scenario: 24 agents in 4 tiers (1 orchestrator, 3 primary, 16 secondary, 4 specialised)
 * across 3 tenants, payloads of 300 B–4 KiB. Deterministic (seeded), so every peer in a run gets the same
 * messages in the same order.
 */
export interface ScenarioAgent {
  id: string;
  tenantId: string;
  tier: 'orchestrator' | 'primary' | 'secondary' | 'specialised';
}

export interface Scenario {
  agents: ScenarioAgent[];
  messages: MessageInput[];
}

export const TENANTS = ['tenant-alpha', 'tenant-beta', 'tenant-gamma'] as const;

/** mulberry32: small, fast, seedable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function scenarioAgents(): ScenarioAgent[] {
  const tiers: [ScenarioAgent['tier'], number][] = [['orchestrator', 1], ['primary', 3], ['secondary', 16], ['specialised', 4]];
  const agents: ScenarioAgent[] = [];
  let n = 0;
  for (const [tier, count] of tiers) {
    for (let i = 0; i < count; i++, n++) agents.push({ id: `${tier}-${i}`, tenantId: TENANTS[n % TENANTS.length]!, tier });
  }
  return agents;
}

const WORDS = ['summarise', 'document', 'review', 'plan', 'status', 'report', 'schedule', 'analyse', 'draft', 'fetch', 'index', 'notes'];

function payloadOfSize(random: () => number, bytes: number, index: number): Record<string, unknown> {
  const words: string[] = [];
  let size = 60;
  while (size < bytes) {
    const word = WORDS[Math.floor(random() * WORDS.length)]!;
    words.push(word);
    size += word.length + 1;
  }
  return { task: `task-${index}`, action: 'read', step: index % 7, text: words.join(' ') };
}

/** `count` messages between agents of the same tenant, payload sizes log-uniform in [minBytes, maxBytes]. */
export function buildScenario(options: { count?: number; seed?: number; minBytes?: number; maxBytes?: number } = {}): Scenario {
  const { count = 4096, seed = 42, minBytes = 300, maxBytes = 4096 } = options;
  const random = seededRandom(seed);
  const agents = scenarioAgents();
  const byTenant = new Map<string, ScenarioAgent[]>();
  for (const agent of agents) byTenant.set(agent.tenantId, [...(byTenant.get(agent.tenantId) ?? []), agent]);
  const types = [MessageType.COMMAND, MessageType.QUERY, MessageType.EVENT, MessageType.TASK_REQUEST, MessageType.NOTIFICATION];
  const messages: MessageInput[] = [];
  for (let i = 0; i < count; i++) {
    const tenantId = TENANTS[i % TENANTS.length]!;
    const members = byTenant.get(tenantId)!;
    const from = members[Math.floor(random() * members.length)]!;
    let to = members[Math.floor(random() * members.length)]!;
    if (to.id === from.id) to = members[(members.indexOf(from) + 1) % members.length]!;
    const bytes = Math.round(minBytes * Math.pow(maxBytes / minBytes, random()));
    messages.push({
      from: from.id,
      to: to.id,
      tenantId,
      type: types[i % types.length]!,
      priority: (random() < 0.05 ? Priority.HIGH : Priority.NORMAL),
      payload: payloadOfSize(random, bytes, i) as never,
    });
  }
  return { agents, messages };
}

/** Registers the scenario's agents with a no-op handler (delivery cost is the bus's, not the handler's). */
export function registerScenario(bus: AgentBus, scenario: Scenario): void {
  for (const agent of scenario.agents) bus.registerAgent({ id: agent.id, tenantId: agent.tenantId, type: agent.tier, handler: () => {} });
}
