// The policy input document: the policy-relevant projection of a message. It leaves out what
// changes with every message (id, createdAt, payload) so that decisions cache well; the exact
// byte limit is the limits stage's job, the policy sees the payload size in KiB.
import type { AgentMessage, JsonValue } from '../model/message.ts';

export interface PolicyAgent {
  readonly tenantId: string;
  readonly type: string;
  readonly capabilities: readonly string[];
}

export interface PolicyInputContext {
  readonly expectedHash: string;
  /** Epoch ms of the batch; not part of the input (it would defeat the decision cache). */
  readonly now: number;
  readonly sender?: PolicyAgent | undefined;
  readonly recipient?: PolicyAgent | undefined;
}

export interface PolicyInputOptions {
  /** Adds `payload` to the input; the cache key then covers it (fewer hits). */
  readonly includePayload?: boolean;
  /** Adds `message.id` and `message.conversationId` (every message then misses the cache). */
  readonly includeIds?: boolean;
}

export interface PolicyInputMessage {
  readonly from: string;
  readonly to: string;
  readonly type: string;
  readonly tenantId: string;
  readonly priority: number;
  readonly constitutionalHash: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly id?: string;
  readonly conversationId?: string;
}

export interface PolicyInput {
  readonly message: PolicyInputMessage;
  /** ceil(encoded payload bytes / 1024). */
  readonly payloadKiB: number;
  readonly expectedHash: string;
  readonly sender?: PolicyAgent;
  readonly recipient?: PolicyAgent;
  readonly payload?: JsonValue;
}

/** A message without its payload is enough unless `includePayload` is set. */
export type PolicyMessage = Omit<AgentMessage, 'payload' | 'signature'> & { readonly payload?: JsonValue };

/**
 * An input built here (known shape, validated message, no ids, no payload): its cache lookup and its
 * encoding skip the shape checks. A class rather than a mark kept aside: `instanceof` costs a few ns, a
 * WeakSet mark ~280 ns per input plus the collector's work on its entries (measured; it was the larger part
 * of `buildPolicyInput` in the validation thread's profile). JSON.stringify, for-in and Object.keys see
 * the same fields as on a plain object.
 */
class BuiltPolicyInput implements PolicyInput {
  declare sender?: PolicyAgent;
  declare recipient?: PolicyAgent;

  constructor(
    readonly message: PolicyInputMessage,
    readonly payloadKiB: number,
    readonly expectedHash: string,
  ) {}
}

export function buildPolicyInput(message: PolicyMessage, payloadBytes: number, context: PolicyInputContext, options: PolicyInputOptions = {}): PolicyInput {
  const projected: { -readonly [K in keyof PolicyInputMessage]: PolicyInputMessage[K] } = {
    from: message.from,
    to: message.to,
    type: message.type,
    tenantId: message.tenantId,
    priority: message.priority,
    constitutionalHash: message.constitutionalHash,
    metadata: message.metadata,
  };
  if (options.includeIds) {
    projected.id = message.id;
    if (message.conversationId !== undefined) projected.conversationId = message.conversationId;
  }
  const payloadKiB = Math.ceil(payloadBytes / 1024);
  const trusted = !options.includeIds && !(options.includePayload && message.payload !== undefined);
  const input: { -readonly [K in keyof PolicyInput]: PolicyInput[K] } = trusted
    ? new BuiltPolicyInput(projected, payloadKiB, context.expectedHash)
    : { message: projected, payloadKiB, expectedHash: context.expectedHash };
  if (context.sender) input.sender = projectAgent(context.sender);
  if (context.recipient) input.recipient = projectAgent(context.recipient);
  if (options.includePayload && message.payload !== undefined) input.payload = message.payload;
  return input;
}

function projectAgent(agent: PolicyAgent): PolicyAgent {
  return { tenantId: agent.tenantId, type: agent.type, capabilities: agent.capabilities };
}

/** Length-prefixed, so that no choice of field contents can make two inputs share a key. */
function field(s: string): string {
  return s.length + ':' + s;
}

const INPUT_KEYS = new Set(['message', 'payloadKiB', 'expectedHash', 'sender', 'recipient']);
const MESSAGE_KEYS = new Set(['from', 'to', 'type', 'tenantId', 'priority', 'constitutionalHash', 'metadata']);
const AGENT_KEYS = new Set(['tenantId', 'type', 'capabilities']);

function onlyKeys(o: object, allowed: ReadonlySet<string>): boolean {
  for (const k in o) if (!allowed.has(k)) return false;
  return true;
}

function agentKey(agent: unknown): string | null {
  if (agent === undefined) return '-';
  if (agent === null || typeof agent !== 'object' || !onlyKeys(agent, AGENT_KEYS)) return null;
  const a = agent as PolicyAgent;
  if (typeof a.tenantId !== 'string' || typeof a.type !== 'string' || !Array.isArray(a.capabilities)) return null;
  let key = field(a.tenantId) + field(a.type) + a.capabilities.length + '[';
  for (const c of a.capabilities) { if (typeof c !== 'string') return null; key += field(c); }
  return key;
}

/** The known-shape key, or null when the input has any other shape. */
function shapeKey(input: PolicyInput): string | null {
  if (!onlyKeys(input, INPUT_KEYS)) return null;
  const m = input.message as unknown;
  if (m === null || typeof m !== 'object' || !onlyKeys(m, MESSAGE_KEYS)) return null;
  const msg = m as PolicyInputMessage;
  if (typeof msg.from !== 'string' || typeof msg.to !== 'string' || typeof msg.type !== 'string' || typeof msg.tenantId !== 'string'
    || typeof msg.priority !== 'number' || typeof msg.constitutionalHash !== 'string' || typeof input.payloadKiB !== 'number'
    || typeof input.expectedHash !== 'string' || msg.metadata === null || typeof msg.metadata !== 'object') return null;
  let meta = '';
  let n = 0;
  for (const k in msg.metadata) {
    const v = msg.metadata[k];
    if (typeof v !== 'string') return null;
    meta += field(k) + field(v);
    n++;
  }
  const sender = agentKey(input.sender);
  const recipient = agentKey(input.recipient);
  if (sender === null || recipient === null) return null;
  return 'K' + field(msg.from) + field(msg.to) + field(msg.type) + field(msg.tenantId) + msg.priority + ';' + field(msg.constitutionalHash)
    + n + '{' + meta + input.payloadKiB + ';' + field(input.expectedHash) + sender + recipient;
}

/**
 * A cache key that identifies the input exactly, for inputs the caller made itself (those from
 * buildPolicyInput are cached by PairDecisionCache without a key): a length-prefixed string when the
 * input has buildPolicyInput's shape (much cheaper than JSON.stringify), JSON otherwise.
 */
export function policyInputKey(input: PolicyInput | Record<string, unknown>): string {
  return shapeKey(input as PolicyInput) ?? 'J' + JSON.stringify(input);
}

/** True for inputs made by buildPolicyInput (known shape, no ids, no payload). */
export function isBuiltPolicyInput(input: object): input is PolicyInput {
  return input instanceof BuiltPolicyInput;
}

/** The (from, to) pair of a built input, injectively: the decision cache's bucket key. */
export function pairKey(input: PolicyInput): string {
  return input.message.from.length + ':' + input.message.from + input.message.to;
}
