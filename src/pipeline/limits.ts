import { ErrorCode, reject, type Rejection } from '../errors.ts';
import type { MessageLimits } from '../model/message.ts';
import { checkPayloadSize } from '../intake/inspect-payload.ts';

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
