import { createPublicKey, type KeyObject } from 'node:crypto';

/** Tenant ids: lower-case letters, digits, `_` and `-`, 3 to 64 characters. */
export const TENANT_ID_PATTERN = /^[a-z0-9_-]{3,64}$/;

/** What a stage may know about a registered agent (the policy input uses all of it). */
export interface AgentInfo {
  readonly tenantId: string;
  readonly type: string;
  readonly capabilities: readonly string[];
  /** Trust tier for deliberation: 0 (least trusted) to 2. */
  readonly tier: number;
  /** The agent's Ed25519 public key, when it registered one: its messages must then be signed. */
  readonly publicKey?: KeyObject;
}

/**
 * An agent as shipped to the workers: `[id, tenantId, type, capabilities, tier, publicKey]`, the key as its
 * raw 32 bytes (a KeyObject does not cross threads; the bytes are rebuilt into one on arrival).
 */
export type RegistryEntry = readonly [id: string, tenantId: string, type: string, capabilities: readonly string[], tier?: number, publicKey?: Uint8Array];

/** The fixed SPKI DER header of an Ed25519 public key (RFC 8410); the raw key's 32 bytes follow it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
export const ED25519_PUBLIC_KEY_BYTES = 32;

/** An Ed25519 public key from its raw 32 bytes. Throws on anything else. */
export function ed25519PublicKey(raw: Uint8Array): KeyObject {
  if (raw.length !== ED25519_PUBLIC_KEY_BYTES) throw new TypeError(`an Ed25519 public key is ${ED25519_PUBLIC_KEY_BYTES} bytes, got ${raw.length}`);
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

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
  for (const [id, tenantId, type, capabilities, tier = 0, publicKey] of entries) {
    tenantOf.set(id, tenantId);
    agents.set(id, publicKey === undefined ? { tenantId, type, capabilities, tier } : { tenantId, type, capabilities, tier, publicKey: ed25519PublicKey(publicKey) });
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
