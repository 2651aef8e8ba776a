// The JSON text of a policy input, as the bytes the SDK copies into wasm memory. The SDK's own
// path for an object input (JSON.stringify, then TextEncoder.encode into a fresh ArrayBuffer)
// was about half of a cache miss; the SDK also accepts an ArrayBuffer of pre-encoded JSON, so for
// inputs of the shape buildPolicyInput makes this writes the same document with string
// concatenation (no generic object walk) and encodes it into a reused buffer (no allocation per
// message). Keys are written in byte order, the order the runtime keeps objects in, so its parser
// appends each entry instead of searching for its place. With a plan from the policy's recorded
// input paths (rego/input-paths.ts) it writes only the fields the policy can read.
import { isBuiltPolicyInput, type PolicyAgent, type PolicyInput } from './policy-input.ts';
import type { InputPathTree } from '../rego/input-paths.ts';

/**
 * Field values that are written verbatim between quotes: printable ASCII without `"` or `\`.
 * Anything else (escapes, non-ASCII, lone surrogates) takes JSON.stringify's path, which is exact
 * by definition.
 */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7f]*$/;

/** Buffers by exact byte length: the SDK reads the whole ArrayBuffer it is given. */
const pool = new Map<number, Uint8Array>();
/** Distinct lengths kept, and the largest pooled input; beyond these a fresh buffer is used. */
const POOL_LENGTHS = 64;
const POOL_MAX_BYTES = 16 * 1024;
const encoder = new TextEncoder();

/** Set by str() when a field needs JSON.stringify; the caller then encodes the generic way. */
let plain = true;

/** Fields, each with its own memo of the last plain value written there. */
const Field = {
  ExpectedHash: 0, ConstitutionalHash: 1, From: 2, To: 3, Type: 4, TenantId: 5, AgentTenantId: 6, AgentType: 7, Capability: 8,
  MetadataKey: 9, MetadataValue: 10,
} as const;
const FIELDS = 11;
/**
 * Most fields repeat from one message to the next (hashes, tenants, agent types): a value equal to
 * the last one checked at its field is plain like it, and comparing is cheaper than the test.
 */
const lastPlain: string[] = new Array<string>(FIELDS).fill('');
/** lastPlain's values with their quotes, reused as they are. */
const lastQuoted: string[] = new Array<string>(FIELDS).fill('""');

function str(s: unknown, field: number): string {
  if (s === lastPlain[field]) return lastQuoted[field]!;
  if (typeof s !== 'string' || !PLAIN.test(s)) { plain = false; return ''; }
  lastPlain[field] = s;
  return (lastQuoted[field] = '"' + s + '"');
}

/** JSON numbers: finite values print as JS does (JSON.stringify agrees); others fall back. */
function num(n: unknown): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) { plain = false; return ''; }
  return '' + n;
}

interface AgentPlan { readonly capabilities: boolean; readonly tenantId: boolean; readonly type: boolean }
interface MessagePlan {
  readonly constitutionalHash: boolean; readonly from: boolean; readonly priority: boolean; readonly tenantId: boolean;
  readonly to: boolean; readonly type: boolean;
  /** 'all', only these keys, or leave metadata out. */
  readonly metadata: 'all' | ReadonlySet<string> | null;
}
/** Which fields of a built input to write (null: leave the field out). */
export interface InputPlan {
  readonly expectedHash: boolean;
  readonly message: MessagePlan | null;
  readonly payloadKiB: boolean;
  readonly recipient: AgentPlan | null;
  readonly sender: AgentPlan | null;
}

const FULL_AGENT: AgentPlan = { capabilities: true, tenantId: true, type: true };
/** The whole document. */
export const FULL_PLAN: InputPlan = {
  expectedHash: true, payloadKiB: true, recipient: FULL_AGENT, sender: FULL_AGENT,
  message: { constitutionalHash: true, from: true, priority: true, tenantId: true, to: true, type: true, metadata: 'all' },
};

const sub = (node: InputPathTree | undefined, key: string): InputPathTree | undefined => (node === true ? true : node?.get(key));

function agentPlan(node: InputPathTree | undefined): AgentPlan | null {
  if (node === undefined) return null;
  return { capabilities: sub(node, 'capabilities') !== undefined, tenantId: sub(node, 'tenantId') !== undefined, type: sub(node, 'type') !== undefined };
}

/**
 * The fields of a built input that a policy reading `tree` can see (a field is written whole when
 * any path reaches into it); FULL_PLAN when the policy's reads are unknown (null).
 */
export function inputPlan(tree: InputPathTree | null): InputPlan {
  if (tree === null || tree === true) return FULL_PLAN;
  const m = sub(tree, 'message');
  const metadata = sub(m, 'metadata');
  return {
    expectedHash: sub(tree, 'expectedHash') !== undefined,
    payloadKiB: sub(tree, 'payloadKiB') !== undefined,
    recipient: agentPlan(sub(tree, 'recipient')),
    sender: agentPlan(sub(tree, 'sender')),
    message: m === undefined ? null : {
      constitutionalHash: sub(m, 'constitutionalHash') !== undefined, from: sub(m, 'from') !== undefined,
      priority: sub(m, 'priority') !== undefined, tenantId: sub(m, 'tenantId') !== undefined,
      to: sub(m, 'to') !== undefined, type: sub(m, 'type') !== undefined,
      metadata: metadata === undefined ? null : metadata === true ? 'all' : new Set(metadata.keys()),
    },
  };
}

function agentJson(a: PolicyAgent, plan: AgentPlan): string {
  if (a === null || typeof a !== 'object') { plain = false; return ''; }
  let s = '{';
  let sep = '';
  if (plan.capabilities) {
    const caps = a.capabilities;
    s += '"capabilities":[';
    if (!Array.isArray(caps)) plain = false;
    else for (let i = 0; i < caps.length; i++) s += (i === 0 ? str(caps[i], Field.Capability) : ',' + str(caps[i], Field.Capability));
    s += ']';
    sep = ',';
  }
  if (plan.tenantId) { s += sep + '"tenantId":' + str(a.tenantId, Field.AgentTenantId); sep = ','; }
  if (plan.type) s += sep + '"type":' + str(a.type, Field.AgentType);
  return s + '}';
}

function messageJson(m: PolicyInput['message'], plan: MessagePlan): string {
  let s = '{';
  let sep = '';
  if (plan.constitutionalHash) { s += '"constitutionalHash":' + str(m.constitutionalHash, Field.ConstitutionalHash); sep = ','; }
  if (plan.from) { s += sep + '"from":' + str(m.from, Field.From); sep = ','; }
  const wanted = plan.metadata;
  if (wanted !== null) {
    const metadata = m.metadata;
    if (metadata === null || typeof metadata !== 'object') { plain = false; return ''; }
    let keys = Object.keys(metadata);
    // Plain keys are ASCII, where sort()'s UTF-16 order is byte order (other keys fall back anyway).
    if (keys.length > 1) keys = keys.sort();
    let meta = '';
    for (const k of keys) if (wanted === 'all' || wanted.has(k)) meta += (meta === '' ? '' : ',') + str(k, Field.MetadataKey) + ':' + str(metadata[k], Field.MetadataValue);
    // A policy that reads only some keys never sees the metadata object itself: when none of
    // them is there, leaving it out reads the same (undefined) and is less to parse.
    if (meta !== '' || wanted === 'all') { s += sep + '"metadata":{' + meta + '}'; sep = ','; }
  }
  if (plan.priority) { s += sep + '"priority":' + num(m.priority); sep = ','; }
  if (plan.tenantId) { s += sep + '"tenantId":' + str(m.tenantId, Field.TenantId); sep = ','; }
  if (plan.to) { s += sep + '"to":' + str(m.to, Field.To); sep = ','; }
  if (plan.type) s += sep + '"type":' + str(m.type, Field.Type);
  return s + '}';
}

/**
 * The JSON text of an input from buildPolicyInput (no ids, no payload), keys in byte order: the
 * document JSON.stringify(input) describes, or the part of it `plan` keeps. Null for any other
 * input, or when some field is not plain (then use JSON.stringify).
 */
export function policyInputJson(input: PolicyInput | Record<string, unknown>, plan: InputPlan = FULL_PLAN): string | null {
  if (!isBuiltPolicyInput(input)) return null;
  plain = true;
  let s = '{';
  let sep = '';
  if (plan.expectedHash) { s += '"expectedHash":' + str(input.expectedHash, Field.ExpectedHash); sep = ','; }
  if (plan.message !== null) { s += sep + '"message":' + messageJson(input.message, plan.message); sep = ','; }
  if (plan.payloadKiB) { s += sep + '"payloadKiB":' + num(input.payloadKiB); sep = ','; }
  if (plan.recipient !== null && input.recipient !== undefined) { s += sep + '"recipient":' + agentJson(input.recipient, plan.recipient); sep = ','; }
  if (plan.sender !== null && input.sender !== undefined) s += sep + '"sender":' + agentJson(input.sender, plan.sender);
  return plain ? s + '}' : null;
}

/**
 * UTF-8 JSON of an input, for the SDK's evaluate(ArrayBuffer). The buffer may be reused by the
 * next call: pass it straight to evaluate, which copies it into wasm memory synchronously.
 */
export function encodePolicyInput(input: PolicyInput | Record<string, unknown>, plan: InputPlan = FULL_PLAN): ArrayBuffer {
  const text = policyInputJson(input, plan);
  // Plain text is ASCII: its UTF-8 length is its string length.
  if (text === null || text.length > POOL_MAX_BYTES) return encoder.encode(text ?? JSON.stringify(input)).buffer;
  let bytes = pool.get(text.length);
  if (bytes === undefined) {
    if (pool.size >= POOL_LENGTHS) pool.clear();
    pool.set(text.length, (bytes = new Uint8Array(text.length)));
  }
  encoder.encodeInto(text, bytes);
  return bytes.buffer as ArrayBuffer;
}

/**
 * UTF-8 JSON of an array of inputs, for a batch twin's evaluate (rego/batch-entrypoint.ts): each
 * element as encodePolicyInput writes it. A fresh buffer (batches vary in length).
 */
export function encodePolicyInputs(inputs: readonly (PolicyInput | Record<string, unknown>)[], plan: InputPlan = FULL_PLAN): ArrayBuffer {
  let text = '[';
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i]!;
    if (i > 0) text += ',';
    text += policyInputJson(input, plan) ?? JSON.stringify(input);
  }
  return encoder.encode(text + ']').buffer as ArrayBuffer;
}
