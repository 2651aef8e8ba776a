import type { AgentBus } from '../src/bus.ts';
import { MessageType, Priority, type MessageInput } from '../src/model/message.ts';
import { seededRandom } from '../src/seeded-random.ts';

/**
 * The default scenario: 60 agents in 4 tiers (3 orchestrator, 9 primary, 36 secondary, 12 specialised)
 * across 3 tenants, payloads of 300 B–4 KiB, ~5% high-impact messages and ~1% that the pipeline rejects.
 * Deterministic (seeded), so every peer in a run — and every child process — gets the same messages in the
 * same order.
 */
export interface ScenarioAgent {
  id: string;
  tenantId: string;
  tier: 'orchestrator' | 'primary' | 'secondary' | 'specialised';
}

/** Why a message is in the scenario: most are ordinary traffic, a few exercise the expensive or failing paths. */
export type MessageKind = 'ordinary' | 'high-impact' | 'rejected';

export interface Scenario {
  agents: ScenarioAgent[];
  messages: MessageInput[];
  /** `kinds[i]` describes `messages[i]`. */
  kinds: MessageKind[];
}

export interface ScenarioOptions {
  count?: number;
  seed?: number;
  minBytes?: number;
  maxBytes?: number;
  highImpactShare?: number;
  rejectedShare?: number;
}

export const TENANTS = ['tenant-alpha', 'tenant-beta', 'tenant-gamma'] as const;

/**
 * Until the bus's `full` pipeline runs the OPA policy, a wrong constitutional hash is the stand-in for "the
 * policy rejects it": every non-empty pipeline refuses it, so every peer does the same work for it.
 */
export const REJECTED_HASH = 'not-the-constitution';

export function scenarioAgents(): ScenarioAgent[] {
  // 20 agents per tenant: 3 × 20 × 19 = 1,140 ordered pairs, so the policy's decision cache faces over
  // 1,000 distinct agent pairs, as issue 3's throughput target specifies.
  const tiers: [ScenarioAgent['tier'], number][] = [['orchestrator', 3], ['primary', 9], ['secondary', 36], ['specialised', 12]];
  const agents: ScenarioAgent[] = [];
  let n = 0;
  for (const [tier, count] of tiers) {
    for (let i = 0; i < count; i++, n++) agents.push({ id: `${tier}-${i}`, tenantId: TENANTS[n % TENANTS.length]!, tier });
  }
  return agents;
}

const WORDS = ['summarise', 'document', 'review', 'plan', 'status', 'report', 'schedule', 'analyse', 'draft', 'fetch', 'index', 'notes'];
/** Words the impact scorer (src/pipeline/impact.ts) counts as sensitive; three distinct ones lift a score to 0.8. */
const SENSITIVE_WORDS = ['payment', 'transfer', 'production', 'credential', 'override'];

function filler(random: () => number, bytes: number): string {
  const words: string[] = [];
  let size = 0;
  while (size < bytes) {
    const word = WORDS[Math.floor(random() * WORDS.length)]!;
    words.push(word);
    size += word.length + 1;
  }
  return words.join(' ');
}

function ordinaryPayload(random: () => number, bytes: number, index: number): Record<string, unknown> {
  return { task: `task-${index}`, action: 'read', step: index % 7, text: filler(random, bytes - 60) };
}

/**
 * The deliberation tier each scenario role registers with (policies/deliberation.json): orchestrators 2,
 * primary and specialised agents 1, secondary agents 0.
 */
export const DELIBERATION_TIER: Readonly<Record<ScenarioAgent['tier'], 0 | 1 | 2>> = { orchestrator: 2, primary: 1, specialised: 1, secondary: 0 };

/**
 * Transfer amounts around the per-tier caps of the bundled tier-quota template (1,000 / 20,000 / 90,000): each
 * tier has amounts it may and may not request, so the templates allow some high-impact messages and deny others.
 */
export const TRANSFER_AMOUNTS: readonly number[] = [500, 5_000, 15_000, 50_000, 95_000];

/** A transfer of an amount, described with sensitive words: high on the keyword, action and amount components. */
function highImpactPayload(random: () => number, bytes: number, index: number): Record<string, unknown> {
  const sensitive = SENSITIVE_WORDS.join(' ');
  return {
    task: `task-${index}`,
    action: 'transfer',
    amount: TRANSFER_AMOUNTS[index % TRANSFER_AMOUNTS.length]!,
    currency: 'EUR',
    text: `${sensitive} ${filler(random, bytes - 100 - sensitive.length)}`,
  };
}

/** `count` messages between agents of the same tenant, payload sizes log-uniform in [minBytes, maxBytes]. */
export function buildScenario(options: ScenarioOptions = {}): Scenario {
  const { count = 4096, seed = 42, minBytes = 300, maxBytes = 4096, highImpactShare = 0.05, rejectedShare = 0.01 } = options;
  const random = seededRandom(seed);
  const agents = scenarioAgents();
  const byTenant = new Map<string, ScenarioAgent[]>();
  for (const agent of agents) byTenant.set(agent.tenantId, [...(byTenant.get(agent.tenantId) ?? []), agent]);
  const types = [MessageType.COMMAND, MessageType.QUERY, MessageType.EVENT, MessageType.TASK_REQUEST, MessageType.NOTIFICATION];
  const messages: MessageInput[] = [];
  const kinds: MessageKind[] = [];
  for (let i = 0; i < count; i++) {
    const tenantId = TENANTS[i % TENANTS.length]!;
    const members = byTenant.get(tenantId)!;
    let from = members[Math.floor(random() * members.length)]!;
    let to = members[Math.floor(random() * members.length)]!;
    const bytes = Math.round(minBytes * Math.pow(maxBytes / minBytes, random()));
    const roll = random();
    const kind: MessageKind = roll < rejectedShare ? 'rejected' : roll < rejectedShare + highImpactShare ? 'high-impact' : 'ordinary';
    // Four in five transfers come from tier ≥ 1 agents: the time-window template lets tier-0 senders act only
    // in business hours (UTC), and a bench run at night should not be all denials.
    if (kind === 'high-impact' && DELIBERATION_TIER[from.tier] === 0 && random() < 0.8) {
      const trusted = members.filter((m) => DELIBERATION_TIER[m.tier] > 0);
      from = trusted[Math.floor(random() * trusted.length)]!;
    }
    if (to.id === from.id) to = members[(members.indexOf(from) + 1) % members.length]!;
    const message: MessageInput = {
      from: from.id,
      to: to.id,
      tenantId,
      type: kind === 'high-impact' ? MessageType.COMMAND : types[i % types.length]!,
      priority: kind === 'high-impact' || random() < 0.05 ? Priority.HIGH : Priority.NORMAL,
      payload: (kind === 'high-impact' ? highImpactPayload(random, bytes, i) : ordinaryPayload(random, bytes, i)) as never,
    };
    if (kind === 'rejected') message.constitutionalHash = REJECTED_HASH;
    messages.push(message);
    kinds.push(kind);
  }
  return { agents, messages, kinds };
}

/** Registers the scenario's agents with a no-op handler (delivery cost is the bus's, not the handler's). */
export function registerScenario(bus: AgentBus, scenario: Scenario): void {
  for (const agent of scenario.agents) {
    bus.registerAgent({ id: agent.id, tenantId: agent.tenantId, type: agent.tier, tier: DELIBERATION_TIER[agent.tier], handler: noopHandler });
  }
}

/** The one handler every peer delivers to, on the main thread. */
export function noopHandler(): void {}
