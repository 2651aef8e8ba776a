import { ErrorCode, reject, type Rejection } from '../errors.ts';

/**
 * Compares two strings in time that depends only on the expected length, so a caller probing hashes learns
 * nothing from how long a rejection took. Exact code-unit equality: a case change, whitespace, a Unicode
 * look-alike, a NUL byte, a truncation or an extension all differ.
 */
export function constantTimeEquals(actual: string, expected: string): boolean {
  let diff = actual.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) {
    // charCodeAt past the end is NaN; `| 0` turns it into 0 without a branch.
    diff |= (actual.charCodeAt(i) | 0) ^ expected.charCodeAt(i);
  }
  return diff === 0;
}

/** The constitutional stage: the message must carry exactly the bus's constitutional hash. */
export function checkConstitutionalHash(actual: string, expected: string): Rejection | null {
  if (constantTimeEquals(actual, expected)) return null;
  // Show only a prefix: enough to debug a misconfigured sender, not a way to recover the hash.
  const shown = JSON.stringify(actual.slice(0, 8));
  return reject(ErrorCode.HASH_MISMATCH, `constitutional hash mismatch: expected '${expected.slice(0, 8)}...', got ${shown}${actual.length > 8 ? '...' : ''}`);
}
