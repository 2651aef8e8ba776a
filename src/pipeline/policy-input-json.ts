// The JSON text of a policy input, as the bytes the SDK copies into wasm memory. The SDK's own
// path for an object input (JSON.stringify, then TextEncoder.encode into a fresh ArrayBuffer)
// was about half of a cache miss; the SDK also accepts an ArrayBuffer of pre-encoded JSON, so for
// inputs of the shape buildPolicyInput makes this writes the same document with string
// concatenation (no generic object walk) and encodes it into a reused buffer (no allocation per
// message). Keys are written in byte order, the order the runtime keeps objects in, so its parser
// appends each entry instead of searching for its place.
import { isBuiltPolicyInput, type PolicyAgent, type PolicyInput } from './policy-input.ts';

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

function str(s: unknown): string {
  if (typeof s !== 'string' || !PLAIN.test(s)) { plain = false; return ''; }
  return '"' + s + '"';
}

/** JSON numbers: finite values print as JS does (JSON.stringify agrees); others fall back. */
function num(n: unknown): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) { plain = false; return ''; }
  return '' + n;
}

function agentJson(a: PolicyAgent): string {
  if (a === null || typeof a !== 'object') { plain = false; return ''; }
  let s = '{"capabilities":[';
  const caps = a.capabilities;
  if (!Array.isArray(caps)) plain = false;
  else for (let i = 0; i < caps.length; i++) s += (i === 0 ? str(caps[i]) : ',' + str(caps[i]));
  return s + '],"tenantId":' + str(a.tenantId) + ',"type":' + str(a.type) + '}';
}

/**
 * The JSON text of an input from buildPolicyInput (no ids, no payload), keys in byte order: the
 * document JSON.stringify(input) describes. Null for any other input, or when some field is not
 * plain (then use JSON.stringify).
 */
export function policyInputJson(input: PolicyInput | Record<string, unknown>): string | null {
  if (!isBuiltPolicyInput(input)) return null;
  plain = true;
  const m = input.message;
  const metadata = m.metadata;
  if (metadata === null || typeof metadata !== 'object') return null;
  let keys = Object.keys(metadata);
  // Plain keys are ASCII, where sort()'s UTF-16 order is byte order (other keys fall back anyway).
  if (keys.length > 1) keys = keys.sort();
  let meta = '';
  for (const k of keys) meta += (meta === '' ? '' : ',') + str(k) + ':' + str(metadata[k]);
  let s = '{"expectedHash":' + str(input.expectedHash) + ',"message":{"constitutionalHash":' + str(m.constitutionalHash)
    + ',"from":' + str(m.from) + ',"metadata":{' + meta + '},"priority":' + num(m.priority) + ',"tenantId":' + str(m.tenantId)
    + ',"to":' + str(m.to) + ',"type":' + str(m.type) + '},"payloadKiB":' + num(input.payloadKiB);
  if (input.recipient !== undefined) s += ',"recipient":' + agentJson(input.recipient);
  if (input.sender !== undefined) s += ',"sender":' + agentJson(input.sender);
  return plain ? s + '}' : null;
}

/**
 * UTF-8 JSON of an input, for the SDK's evaluate(ArrayBuffer). The buffer may be reused by the
 * next call: pass it straight to evaluate, which copies it into wasm memory synchronously.
 */
export function encodePolicyInput(input: PolicyInput | Record<string, unknown>): ArrayBuffer {
  const text = policyInputJson(input);
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
