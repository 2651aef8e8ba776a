// Estimates of the heap a cached decision keeps alive, for the decision caches' byte bounds
// (lru-cache `maxSize` + `sizeCalculation`). They are deliberately on the high side: every string is
// charged as two-byte (UTF-16) even when V8 stores it one byte per character, and strings shared with
// live messages or the registry are charged as if the cache alone held them. A bound that overcounts
// only evicts early; one that undercounts lets memory grow past what was configured.
import type { PolicyAgent, PolicyInput } from './policy-input.ts';

/** A V8 string: header plus up to two bytes per UTF-16 unit. */
export function stringRetainedBytes(text: string): number {
  return 16 + 2 * text.length;
}

/** An object or array header with a few inline fields; each further field adds a pointer. */
const OBJECT_BYTES = 32;
const FIELD_BYTES = 8;

function agentBytes(agent: PolicyAgent | undefined): number {
  if (agent === undefined) return 0;
  let bytes = OBJECT_BYTES + 3 * FIELD_BYTES + stringRetainedBytes(agent.tenantId) + stringRetainedBytes(agent.type) + OBJECT_BYTES;
  for (const capability of agent.capabilities) bytes += FIELD_BYTES + stringRetainedBytes(capability);
  return bytes;
}

/** What a cached PolicyInput (one built by buildPolicyInput: no payload) keeps alive. */
export function policyInputRetainedBytes(input: PolicyInput): number {
  const m = input.message;
  let bytes = 2 * OBJECT_BYTES + 12 * FIELD_BYTES
    + stringRetainedBytes(m.from) + stringRetainedBytes(m.to) + stringRetainedBytes(m.type) + stringRetainedBytes(m.tenantId)
    + stringRetainedBytes(m.constitutionalHash) + stringRetainedBytes(input.expectedHash);
  if (m.id !== undefined) bytes += stringRetainedBytes(m.id);
  if (m.conversationId !== undefined) bytes += stringRetainedBytes(m.conversationId);
  bytes += OBJECT_BYTES;
  for (const key in m.metadata) bytes += FIELD_BYTES + stringRetainedBytes(key) + stringRetainedBytes(m.metadata[key]!);
  return bytes + agentBytes(input.sender) + agentBytes(input.recipient);
}

/** A verdict: shared constants cost nothing more; a denial keeps its reasons. */
export function verdictRetainedBytes(verdict: object): number {
  let bytes = OBJECT_BYTES;
  const reasons = (verdict as { readonly reasons?: readonly string[] }).reasons;
  if (reasons !== undefined) {
    bytes += OBJECT_BYTES;
    for (const reason of reasons) bytes += FIELD_BYTES + stringRetainedBytes(reason);
  }
  return bytes;
}

/** The bookkeeping an LRU entry costs besides its key and value (index slots, map entry). */
export const LRU_ENTRY_BYTES = 64;
