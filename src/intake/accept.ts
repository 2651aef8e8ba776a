import { ErrorCode, reject, type Rejection } from '../errors.ts';
import { generateMessageId, isMessageType, MessageType, Priority, type AcceptedMessage, type AgentMessage, type JsonValue, type MessageLimits } from '../model/message.ts';
import { isSignatureText } from '../signature/verify.ts';
import { utf8Bytes } from './encoded-size.ts';
import { inspectPayload } from './inspect-payload.ts';

const MESSAGE_TYPES: readonly string[] = Object.values(MessageType);

export type IntakeResult = { ok: true; value: AcceptedMessage } | { ok: false; id: string; rejection: Rejection };

function toEpochMs(value: unknown): number | undefined | null {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isFinite(ms) ? ms : null;
  }
  return null;
}

function checkId(name: string, value: unknown, limits: MessageLimits): string | null {
  if (typeof value !== 'string' || value.length === 0) return `${name} must be a non-empty string`;
  if (!value.isWellFormed()) return `${name} is not well-formed Unicode`;
  if (utf8Bytes(value) > limits.maxIdBytes) return `${name} is longer than ${limits.maxIdBytes} bytes`;
  return null;
}

/**
 * Checks metadata and returns a copy of it (or why it is refused). The copy is what the message keeps: each
 * entry read exactly once, so a getter or a Proxy cannot show the checks one value and the policy another,
 * nor throw later on a thread that does not expect it.
 */
function checkMetadata(value: unknown, limits: MessageLimits): { copy: Record<string, string> } | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'metadata must be an object of strings';
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return 'metadata must be a plain object';
  const keys = Object.keys(value);
  if (keys.length > limits.maxMetadataEntries) return `metadata has more than ${limits.maxMetadataEntries} entries`;
  let bytes = 0;
  const copy: Record<string, string> = {};
  for (const key of keys) {
    if (key === '__proto__') return 'metadata has a "__proto__" key';
    const entry = (value as Record<string, unknown>)[key];
    if (typeof entry !== 'string') return `metadata.${key} must be a string`;
    if (!key.isWellFormed() || !entry.isWellFormed()) return `metadata.${key} is not well-formed Unicode`;
    bytes += utf8Bytes(key) + utf8Bytes(entry);
    copy[key] = entry;
  }
  if (bytes > limits.maxMetadataBytes) return `metadata is ${bytes} bytes; the limit is ${limits.maxMetadataBytes}`;
  return { copy };
}

function refuse(id: string, code: ErrorCode, reason: string): IntakeResult {
  return { ok: false, id, rejection: reject(code, reason) };
}

const EMPTY_METADATA: Readonly<Record<string, string>> = Object.freeze({});

/** A thrown value described without trusting it (its `message` may itself be a throwing getter). */
function describeThrown(thrown: unknown): string {
  try {
    return thrown instanceof Error ? String(thrown.message) : typeof thrown;
  } catch {
    return 'an unreadable error';
  }
}

/**
 * Intake: turn untrusted input into an AgentMessage, or a typed rejection. Runs on the caller's thread
 * because everything after it relies on the message being encodable: a payload with a cycle, a function,
 * a lone surrogate or a `__proto__` key must be refused here, before msgpack silently changes it.
 * Cheap and I/O-free; the semantic checks (hash, tenant, expiry, policy) run later in the pipeline.
 * Never throws: input whose reading throws (a getter, a Proxy trap, a Date whose getTime throws) is
 * E_INVALID_MESSAGE.
 */
export function acceptMessage(input: unknown, defaultHash: string, limits: MessageLimits, now: number): IntakeResult {
  try {
    return readMessage(input, defaultHash, limits, now);
  } catch (thrown) {
    return { ok: false, id: '', rejection: reject(ErrorCode.INVALID_MESSAGE, `message could not be read: ${describeThrown(thrown)}`) };
  }
}

function readMessage(input: unknown, defaultHash: string, limits: MessageLimits, now: number): IntakeResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, id: '', rejection: reject(ErrorCode.INVALID_MESSAGE, 'message must be an object') };
  }
  const raw = input as Record<string, unknown>;
  // Each field is read exactly once: a getter cannot pass a check with one value and be kept with another.
  const { id: rawId, from, to, type, tenantId, priority: rawPriority, constitutionalHash: rawHash } = raw;
  const { payload: rawPayload, metadata: rawMetadata, createdAt: rawCreatedAt, expiresAt: rawExpiresAt, conversationId: rawConversationId, signature: rawSignature } = raw;
  let id: string;
  if (rawId === undefined) id = generateMessageId();
  else {
    const bad = checkId('id', rawId, limits);
    if (bad) return { ok: false, id: typeof rawId === 'string' ? rawId : '', rejection: reject(ErrorCode.INVALID_MESSAGE, bad) };
    id = rawId as string;
  }
  if (Object.hasOwn(raw, '__proto__')) return refuse(id, ErrorCode.INVALID_MESSAGE, 'message has a "__proto__" key');
  const badFrom = checkId('from', from, limits);
  if (badFrom) return refuse(id, ErrorCode.INVALID_MESSAGE, badFrom);
  const badTo = checkId('to', to, limits);
  if (badTo) return refuse(id, ErrorCode.INVALID_MESSAGE, badTo);
  if (!isMessageType(type)) return refuse(id, ErrorCode.INVALID_MESSAGE, `type must be one of ${[...MESSAGE_TYPES].join(', ')}`);
  if (typeof tenantId !== 'string') return refuse(id, ErrorCode.TENANT, 'tenantId must be a string');
  if (!tenantId.isWellFormed() || utf8Bytes(tenantId) > limits.maxIdBytes) {
    return refuse(id, ErrorCode.TENANT, 'tenantId is malformed');
  }

  let priority: Priority = Priority.NORMAL;
  if (rawPriority !== undefined) {
    if (rawPriority !== 0 && rawPriority !== 1 && rawPriority !== 2 && rawPriority !== 3) {
      return refuse(id, ErrorCode.INVALID_MESSAGE, 'priority must be 0 (LOW), 1 (NORMAL), 2 (HIGH) or 3 (CRITICAL)');
    }
    priority = rawPriority;
  }

  let constitutionalHash = defaultHash;
  if (rawHash !== undefined) {
    // The value is compared later, in constant time, by the constitutional stage; here only its type.
    if (typeof rawHash !== 'string') return refuse(id, ErrorCode.HASH_MISMATCH, 'constitutionalHash must be a string');
    constitutionalHash = rawHash;
  }

  const payload = rawPayload === undefined ? null : rawPayload;
  const inspected = inspectPayload(payload, limits);
  if (inspected.rejection) return { ok: false, id, rejection: inspected.rejection };

  let metadata = EMPTY_METADATA;
  if (rawMetadata !== undefined) {
    const checked = checkMetadata(rawMetadata, limits);
    if (typeof checked === 'string') return refuse(id, ErrorCode.INVALID_MESSAGE, checked);
    metadata = checked.copy;
  }

  const createdAt = rawCreatedAt === undefined ? now : toEpochMs(rawCreatedAt);
  if (createdAt === null || createdAt === undefined) return refuse(id, ErrorCode.INVALID_MESSAGE, 'createdAt must be a finite epoch-ms number or a Date');
  const expiresAt = toEpochMs(rawExpiresAt);
  if (expiresAt === null) return refuse(id, ErrorCode.INVALID_MESSAGE, 'expiresAt must be a finite epoch-ms number or a Date');

  let conversationId: string | undefined;
  if (rawConversationId !== undefined) {
    const bad = checkId('conversationId', rawConversationId, limits);
    if (bad) return refuse(id, ErrorCode.INVALID_MESSAGE, bad);
    conversationId = rawConversationId as string;
  }

  // Checked for form only (and so bounded): whether it verifies is the signature stage's question.
  if (rawSignature !== undefined && !isSignatureText(rawSignature)) {
    return refuse(id, ErrorCode.SIGNATURE, 'signature must be the base64 text of 64 bytes (88 characters)');
  }

  // One object shape for every message (optional fields present as undefined) keeps property access monomorphic.
  const message = {
    id,
    from: from as string,
    to: to as string,
    type,
    tenantId,
    priority,
    constitutionalHash,
    payload: payload as JsonValue,
    metadata,
    createdAt,
    expiresAt,
    conversationId,
    signature: rawSignature as string | undefined,
  } as AgentMessage;
  return { ok: true, value: { message, depth: inspected.depth, payloadBytes: inspected.encodedBytes } };
}

