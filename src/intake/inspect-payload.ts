import { ErrorCode, reject, type Rejection } from '../errors.ts';
import type { MessageLimits } from '../model/message.ts';
import { arrayHeaderBytes, MAP_HEADER_BYTES, MAX_MAP_KEYS, numberBytes, SCALAR_BYTES, stringBytes, utf8Bytes } from './encoded-size.ts';

export interface PayloadInspection {
  depth: number;
  /** The exact size of the payload as PayloadCodec encodes it (see encoded-size.ts). */
  encodedBytes: number;
  rejection: Rejection | null;
}

/**
 * Walks a payload once and proves it is a JSON value the codec can carry unchanged: plain objects and
 * arrays, finite numbers, well-formed strings (a lone surrogate would be silently replaced by U+FFFD on
 * encoding), no `__proto__` keys (they re-grow into prototype pollution wherever the payload is later
 * merged), no cycles, nesting within `maxDepth`. On the way it adds up the payload's exact encoded size and
 * stops as soon as it passes the limit, so a 100 MB string costs one length read, not an encode.
 */
export function inspectPayload(payload: unknown, limits: MessageLimits): PayloadInspection {
  const state: WalkState = { maxDepth: 0, limit: limits.maxPayloadBytes, bytes: 0, rejection: null };
  walk(payload, 0, limits.maxDepth, state);
  if (state.rejection === null && state.bytes > state.limit) state.rejection = checkPayloadSize(state.bytes, limits);
  return { depth: state.maxDepth, encodedBytes: state.bytes, rejection: state.rejection };
}

interface WalkState {
  maxDepth: number;
  limit: number;
  /** Encoded bytes so far. */
  bytes: number;
  rejection: Rejection | null;
}

function tooLarge(state: WalkState): Rejection {
  return reject(ErrorCode.PAYLOAD_TOO_LARGE, `payload is larger than the limit of ${state.limit} bytes`);
}

/** Adds a string's encoded size; false (with the rejection set) when it is malformed or too large. */
function addString(text: string, state: WalkState, what: string): boolean {
  // UTF-8 never takes fewer bytes than UTF-16 code units: a huge string is refused before it is scanned.
  if (state.bytes + text.length > state.limit) {
    state.rejection = tooLarge(state);
    return false;
  }
  if (!text.isWellFormed()) {
    state.rejection = reject(ErrorCode.INVALID_MESSAGE, `payload contains a ${what} that is not well-formed Unicode`);
    return false;
  }
  state.bytes += stringBytes(utf8Bytes(text));
  return true;
}

function walk(value: unknown, depth: number, maxDepth: number, state: WalkState): void {
  switch (typeof value) {
    case 'string':
      addString(value, state, 'string');
      return;
    case 'number':
      if (!Number.isFinite(value)) {
        state.rejection = reject(ErrorCode.INVALID_MESSAGE, 'payload contains a number that is not finite (NaN or Infinity)');
        return;
      }
      state.bytes += numberBytes(value);
      return;
    case 'boolean':
      state.bytes += SCALAR_BYTES;
      return;
    case 'object':
      break;
    default:
      state.rejection = reject(ErrorCode.INVALID_MESSAGE, `payload contains a ${typeof value}, which is not a JSON value`);
      return;
  }
  if (value === null) {
    state.bytes += SCALAR_BYTES;
    return;
  }
  const childDepth = depth + 1;
  if (childDepth > maxDepth) {
    state.rejection = reject(ErrorCode.PAYLOAD_TOO_DEEP, `payload nests deeper than ${maxDepth} levels (or is circular)`);
    return;
  }
  if (childDepth > state.maxDepth) state.maxDepth = childDepth;
  if (Array.isArray(value)) {
    // Every element takes at least one byte: a huge array is refused before it is walked.
    state.bytes += arrayHeaderBytes(value.length);
    if (state.bytes + value.length > state.limit) {
      state.rejection = tooLarge(state);
      return;
    }
    for (let i = 0; i < value.length; i++) {
      walk(value[i], childDepth, maxDepth, state);
      if (state.rejection) return;
    }
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    const name = (value as object).constructor?.name ?? 'object';
    state.rejection = reject(ErrorCode.INVALID_MESSAGE, `payload contains a ${name}, which is not a plain JSON object`);
    return;
  }
  state.bytes += MAP_HEADER_BYTES;
  let keys = 0;
  for (const key in value as object) {
    if (key === '__proto__') {
      state.rejection = reject(ErrorCode.INVALID_MESSAGE, 'payload contains a "__proto__" key');
      return;
    }
    if (++keys > MAX_MAP_KEYS) {
      state.rejection = reject(ErrorCode.INVALID_MESSAGE, `payload contains an object with more than ${MAX_MAP_KEYS} keys`);
      return;
    }
    if (!addString(key, state, 'key')) return;
    walk((value as Record<string, unknown>)[key], childDepth, maxDepth, state);
    if (state.rejection) return;
  }
  if (state.bytes > state.limit) state.rejection = tooLarge(state);
}

/** The exact size check, on the encoded bytes. */
export function checkPayloadSize(encodedBytes: number, limits: MessageLimits): Rejection | null {
  if (encodedBytes > limits.maxPayloadBytes) {
    return reject(ErrorCode.PAYLOAD_TOO_LARGE, `payload is ${encodedBytes} bytes encoded; the limit is ${limits.maxPayloadBytes}`);
  }
  return null;
}

