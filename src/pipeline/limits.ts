import { ErrorCode, reject, type Rejection } from '../errors.ts';
import type { MessageLimits } from '../message.ts';

/** UTF-8 byte length without allocating: ASCII strings (the common case) cost one pass, no copy. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export interface PayloadInspection {
  depth: number;
  rejection: Rejection | null;
}

/**
 * Walks a payload once and proves it is a JSON value the codec can carry unchanged: plain objects and
 * arrays, finite numbers, well-formed strings (a lone surrogate would be silently replaced by U+FFFD on
 * encoding), no `__proto__` keys (they re-grow into prototype pollution wherever the payload is later
 * merged), no cycles, nesting within `maxDepth`. It also gives up early when the strings alone already
 * exceed the byte limit, so a 100 MB string costs one length read, not an encode.
 */
export function inspectPayload(payload: unknown, limits: MessageLimits): PayloadInspection {
  const state: WalkState = { maxDepth: 0, limit: limits.maxPayloadBytes, budget: limits.maxPayloadBytes, rejection: null };
  walk(payload, 0, limits.maxDepth, state);
  return { depth: state.maxDepth, rejection: state.rejection };
}

interface WalkState {
  maxDepth: number;
  limit: number;
  /** Lower bound on bytes still allowed: UTF-8 never takes fewer bytes than UTF-16 code units. */
  budget: number;
  rejection: Rejection | null;
}

function walk(value: unknown, depth: number, maxDepth: number, state: WalkState): void {
  switch (typeof value) {
    case 'string':
      if (!value.isWellFormed()) {
        state.rejection = reject(ErrorCode.INVALID_MESSAGE, 'payload contains a string that is not well-formed Unicode');
        return;
      }
      state.budget -= value.length;
      if (state.budget < 0) {
        state.rejection = reject(ErrorCode.PAYLOAD_TOO_LARGE, `payload is larger than the limit of ${state.limit} bytes`);
      }
      return;
    case 'number':
      if (!Number.isFinite(value)) {
        state.rejection = reject(ErrorCode.INVALID_MESSAGE, 'payload contains a number that is not finite (NaN or Infinity)');
      }
      return;
    case 'boolean':
      return;
    case 'object':
      break;
    default:
      state.rejection = reject(ErrorCode.INVALID_MESSAGE, `payload contains a ${typeof value}, which is not a JSON value`);
      return;
  }
  if (value === null) return;
  const childDepth = depth + 1;
  if (childDepth > maxDepth) {
    state.rejection = reject(ErrorCode.PAYLOAD_TOO_DEEP, `payload nests deeper than ${maxDepth} levels (or is circular)`);
    return;
  }
  if (childDepth > state.maxDepth) state.maxDepth = childDepth;
  if (Array.isArray(value)) {
    state.budget -= value.length;
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
  for (const key in value as object) {
    if (key === '__proto__') {
      state.rejection = reject(ErrorCode.INVALID_MESSAGE, 'payload contains a "__proto__" key');
      return;
    }
    if (!key.isWellFormed()) {
      state.rejection = reject(ErrorCode.INVALID_MESSAGE, 'payload contains a key that is not well-formed Unicode');
      return;
    }
    state.budget -= key.length + 1;
    walk((value as Record<string, unknown>)[key], childDepth, maxDepth, state);
    if (state.rejection) return;
  }
  if (state.budget < 0 && !state.rejection) {
    state.rejection = reject(ErrorCode.PAYLOAD_TOO_LARGE, `payload is larger than the limit of ${state.limit} bytes`);
  }
}

/** The exact size check, on the encoded bytes. */
export function checkPayloadSize(encodedBytes: number, limits: MessageLimits): Rejection | null {
  if (encodedBytes > limits.maxPayloadBytes) {
    return reject(ErrorCode.PAYLOAD_TOO_LARGE, `payload is ${encodedBytes} bytes encoded; the limit is ${limits.maxPayloadBytes}`);
  }
  return null;
}

/** Expiry, checked as late as possible (in the worker), so a message that waited in a queue is caught. */
export function checkExpiry(expiresAt: number | undefined, now: number): Rejection | null {
  if (expiresAt !== undefined && expiresAt <= now) {
    return reject(ErrorCode.EXPIRED, `message expired ${Math.round(now - expiresAt)} ms ago`);
  }
  return null;
}

/** Size and depth as the limits stage sees them (the pipeline re-checks what intake measured). */
export function checkLimits(encodedBytes: number, depth: number, expiresAt: number | undefined, now: number, limits: MessageLimits): Rejection | null {
  const size = checkPayloadSize(encodedBytes, limits);
  if (size) return size;
  if (depth > limits.maxDepth) {
    return reject(ErrorCode.PAYLOAD_TOO_DEEP, `payload nests ${depth} levels; the limit is ${limits.maxDepth}`);
  }
  return checkExpiry(expiresAt, now);
}
