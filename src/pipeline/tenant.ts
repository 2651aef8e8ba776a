import { ErrorCode, reject, type Rejection } from '../errors.ts';

/** Tenant ids: lower-case letters, digits, `_` and `-`, 3 to 64 characters. */
export const TENANT_ID_PATTERN = /^[a-z0-9_-]{3,64}$/;

/** What a stage may know about a registered agent (the policy input uses all of it). */
export interface AgentInfo {
  readonly tenantId: string;
  readonly type: string;
  readonly capabilities: readonly string[];
}

/** An agent as shipped to the workers: `[id, tenantId, type, capabilities]`. */
export type RegistryEntry = readonly [id: string, tenantId: string, type: string, capabilities: readonly string[]];

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
  for (const [id, tenantId, type, capabilities] of entries) {
    tenantOf.set(id, tenantId);
    agents.set(id, { tenantId, type, capabilities });
  }
  return { version, tenantOf, agents };
}

export const EMPTY_REGISTRY: RegistrySnapshot = registrySnapshot(0, []);

export function isValidTenantId(tenantId: string): boolean {
  return TENANT_ID_PATTERN.test(tenantId);
}

/**
 * The tenant stage: the tenant id is well formed, and the sender and the recipient are both registered in
 * that tenant. An unregistered recipient is E_UNKNOWN_AGENT (nobody could receive it), an unregistered
 * sender or any mismatch is E_TENANT.
 */
export function checkTenant(tenantId: string, from: string, to: string, registry: RegistrySnapshot): Rejection | null {
  if (!isValidTenantId(tenantId)) {
    return reject(ErrorCode.TENANT, `tenant id ${JSON.stringify(tenantId.slice(0, 80))} does not match ${TENANT_ID_PATTERN.source}`);
  }
  const senderTenant = registry.tenantOf.get(from);
  if (senderTenant === undefined) return reject(ErrorCode.TENANT, `sender '${from}' is not a registered agent`);
  if (senderTenant !== tenantId) {
    return reject(ErrorCode.TENANT, `tenant mismatch: message tenant '${tenantId}' does not match sender tenant '${senderTenant}'`);
  }
  const recipientTenant = registry.tenantOf.get(to);
  if (recipientTenant === undefined) return reject(ErrorCode.UNKNOWN_AGENT, `recipient '${to}' is not a registered agent`);
  if (recipientTenant !== tenantId) {
    return reject(ErrorCode.TENANT, `tenant mismatch: message tenant '${tenantId}' does not match recipient tenant '${recipientTenant}'`);
  }
  return null;
}
