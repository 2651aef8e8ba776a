/** Tenant ids: lower-case letters, digits, `_` and `-`, 3 to 64 characters. */
export const TENANT_ID_PATTERN = /^[a-z0-9_-]{3,64}$/;

/** What a stage may know about a registered agent (the policy input uses all of it). */
export interface AgentInfo {
  readonly tenantId: string;
  readonly type: string;
  readonly capabilities: readonly string[];
  /** Trust tier for deliberation: 0 (least trusted) to 2. */
  readonly tier: number;
}

/** An agent as shipped to the workers: `[id, tenantId, type, capabilities, tier]`. */
export type RegistryEntry = readonly [id: string, tenantId: string, type: string, capabilities: readonly string[], tier?: number];

/**
 * What the pipeline knows about registered agents. Workers get a new snapshot, with a higher version,
 * whenever the registry changes; a snapshot is never mutated after it is published.
 */
export interface RegistrySnapshot {
  readonly version: number;
  /** agent id → tenant id: the tenant stage's one lookup per agent. */
  readonly tenantOf: ReadonlyMap<string, string>;
  readonly agents: ReadonlyMap<string, AgentInfo>;
}

export function registrySnapshot(version: number, entries: readonly RegistryEntry[]): RegistrySnapshot {
  const tenantOf = new Map<string, string>();
  const agents = new Map<string, AgentInfo>();
  for (const [id, tenantId, type, capabilities, tier = 0] of entries) {
    tenantOf.set(id, tenantId);
    agents.set(id, { tenantId, type, capabilities, tier });
  }
  return { version, tenantOf, agents };
}

export const EMPTY_REGISTRY: RegistrySnapshot = registrySnapshot(0, []);

export function isValidTenantId(tenantId: string): boolean {
  return TENANT_ID_PATTERN.test(tenantId);
}

/** The registry as a judge sees it: a version that changes with every registration, and its snapshots. */
export interface RegistryView {
  readonly version: number;
  /** The current agents, as shipped to worker threads. */
  entries(): RegistryEntry[];
  /** The current agents, for judging on this thread; the same object until the next change. */
  snapshot(): RegistrySnapshot;
}
