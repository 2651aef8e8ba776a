import type { KeyObject } from 'node:crypto';
import { AgentBusError, ErrorCode } from '../errors.ts';
import type { AgentMessage } from '../model/message.ts';
import { parsePublicKey, rawPublicKey, type PublicKeyInput } from '../signature/keys.ts';
import { EMPTY_REGISTRY, isValidTenantId, registrySnapshot, TENANT_ID_PATTERN, type AgentInfo, type RegistryEntry, type RegistrySnapshot, type RegistryView } from '../model/registry-snapshot.ts';

/** Receives an allowed message on the main thread. Throwing or rejecting marks the send `failed` (E_HANDLER). */
export type AgentHandler = (message: AgentMessage) => void | Promise<void>;

export interface AgentRegistration {
  id: string;
  tenantId: string;
  /** Free-form role, e.g. "orchestrator", "worker", "auditor"; policies may restrict by it. */
  type?: string;
  capabilities?: readonly string[];
  /** Trust tier for deliberation: 0 (least trusted, default) to 2. */
  tier?: number;
  /**
   * The agent's Ed25519 public key (KeyObject, PEM, SPKI DER or the raw 32 bytes). With one, every message
   * the agent sends must carry `signature` (see `signMessage`), verified on the validation threads.
   */
  publicKey?: PublicKeyInput;
  handler: AgentHandler;
}

export interface RegisteredAgent {
  readonly id: string;
  readonly tenantId: string;
  readonly type: string;
  readonly capabilities: readonly string[];
  readonly tier: number;
  readonly publicKey?: KeyObject;
  readonly handler: AgentHandler;
}

/**
 * The agents a bus knows, on the main thread: its own (local, with handlers) and, with a transport across
 * processes, those other processes serve (remote: what the transport's registry mirror says, no handler).
 * Judging sees both — local wins when an id is in both. Every change bumps `version`; the dispatcher ships a
 * fresh snapshot to each worker, in order with the messages, before the next message it sends.
 */
export class AgentRegistry implements RegistryView {
  private readonly agents = new Map<string, RegisteredAgent>();
  /** Registered public keys as raw bytes: what crosses to the validation threads. */
  private readonly rawKeys = new Map<string, Uint8Array>();
  private remote: ReadonlyMap<string, AgentInfo> = new Map();
  private current: RegistrySnapshot = EMPTY_REGISTRY;
  private changes = 0;

  get version(): number {
    return this.changes;
  }

  get size(): number {
    return this.agents.size;
  }

  register(registration: AgentRegistration, maxIdBytes: number): RegisteredAgent {
    const { id, tenantId, handler } = registration ?? ({} as AgentRegistration);
    if (typeof id !== 'string' || id.length === 0 || !id.isWellFormed() || Buffer.byteLength(id) > maxIdBytes) {
      throw new AgentBusError(ErrorCode.CONFIG, `agent id must be a non-empty string of at most ${maxIdBytes} bytes`);
    }
    if (typeof tenantId !== 'string' || !isValidTenantId(tenantId)) {
      throw new AgentBusError(ErrorCode.CONFIG, `agent '${id}': tenantId must match ${TENANT_ID_PATTERN.source}`);
    }
    if (typeof handler !== 'function') throw new AgentBusError(ErrorCode.CONFIG, `agent '${id}': handler must be a function`);
    if (this.agents.has(id)) throw new AgentBusError(ErrorCode.CONFIG, `agent '${id}' is already registered`);
    const capabilities = registration.capabilities ?? [];
    if (!Array.isArray(capabilities) || capabilities.some((c) => typeof c !== 'string')) {
      throw new AgentBusError(ErrorCode.CONFIG, `agent '${id}': capabilities must be an array of strings`);
    }
    const tier = registration.tier ?? 0;
    if (tier !== 0 && tier !== 1 && tier !== 2) throw new AgentBusError(ErrorCode.CONFIG, `agent '${id}': tier must be 0, 1 or 2`);
    const publicKey = registration.publicKey === undefined ? undefined : parsePublicKey(registration.publicKey, `agent '${id}': publicKey`);
    const agent: RegisteredAgent = Object.freeze({
      id,
      tenantId,
      type: registration.type ?? 'agent',
      capabilities: Object.freeze([...capabilities]),
      tier,
      ...(publicKey !== undefined ? { publicKey } : {}),
      handler,
    });
    this.agents.set(id, agent);
    if (publicKey !== undefined) this.rawKeys.set(id, rawPublicKey(publicKey));
    this.publish();
    return agent;
  }

  unregister(id: string): boolean {
    const removed = this.agents.delete(id);
    this.rawKeys.delete(id);
    if (removed) this.publish();
    return removed;
  }

  /** A local agent (registered on this bus, with its handler). */
  get(id: string): RegisteredAgent | undefined {
    return this.agents.get(id);
  }

  /** An agent wherever it is served: local first, then the remote ones. */
  lookup(id: string): AgentInfo | undefined {
    return this.agents.get(id) ?? this.remote.get(id);
  }

  /**
   * Replaces the remote agents (the transport's mirror of the registry other processes publish) and bumps the
   * version, so the next message is judged with them. An entry for a local id is kept but shadowed.
   */
  setRemote(entries: readonly RegistryEntry[]): void {
    const remote = new Map<string, AgentInfo>();
    for (const [id, tenantId, type, capabilities, tier = 0] of entries) remote.set(id, { tenantId, type, capabilities, tier });
    this.remote = remote;
    this.publish();
  }

  /** Ids of every agent of one tenant, local (in registration order) then remote. */
  idsInTenant(tenantId: string): string[] {
    const out: string[] = [];
    for (const agent of this.agents.values()) if (agent.tenantId === tenantId) out.push(agent.id);
    for (const [id, agent] of this.remote) if (agent.tenantId === tenantId && !this.agents.has(id)) out.push(id);
    return out;
  }

  /** Agents of one tenant, in registration order. */
  inTenant(tenantId: string): RegisteredAgent[] {
    const out: RegisteredAgent[] = [];
    for (const agent of this.agents.values()) if (agent.tenantId === tenantId) out.push(agent);
    return out;
  }

  all(): IterableIterator<RegisteredAgent> {
    return this.agents.values();
  }

  /** Built lazily: registering a thousand agents in a row builds one snapshot, not a thousand. */
  snapshot(): RegistrySnapshot {
    if (this.current.version !== this.changes) this.current = registrySnapshot(this.changes, this.entries());
    return this.current;
  }

  /** The agents in the form shipped to workers: local, then remote ids no local agent shadows. */
  entries(): RegistryEntry[] {
    const out: RegistryEntry[] = [];
    for (const agent of this.agents.values()) {
      const key = this.rawKeys.get(agent.id);
      out.push(key === undefined ? [agent.id, agent.tenantId, agent.type, agent.capabilities, agent.tier] : [agent.id, agent.tenantId, agent.type, agent.capabilities, agent.tier, key]);
    }
    for (const [id, agent] of this.remote) if (!this.agents.has(id)) out.push([id, agent.tenantId, agent.type, agent.capabilities, agent.tier]);
    return out;
  }

  private publish(): void {
    this.changes++;
  }
}
