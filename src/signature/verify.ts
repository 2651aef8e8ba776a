import { verify, type KeyObject } from 'node:crypto';
import { signingBytes, type SignedFields } from './canonical.ts';

export const SIGNATURE_BYTES = 64;
/** Base64 of 64 bytes, padded: exactly 88 characters. Anything longer is refused before decoding. */
const SIGNATURE_BASE64 = /^[A-Za-z0-9+/]{86}==$/;

/** Whether `value` is a signature as a message carries it: the base64 text of 64 bytes. */
export function isSignatureText(value: unknown): value is string {
  return typeof value === 'string' && value.length === 88 && SIGNATURE_BASE64.test(value);
}

/** The signature's bytes, or null when it is not 64 bytes (or base64 text of them). */
export function decodeSignature(signature: unknown): Uint8Array | null {
  if (signature instanceof Uint8Array) return signature.length === SIGNATURE_BYTES ? signature : null;
  if (typeof signature !== 'string' || !SIGNATURE_BASE64.test(signature)) return null;
  return Buffer.from(signature, 'base64');
}

/**
 * Whether `signature` is the sender's Ed25519 signature over the message's canonical fields. Pure; never
 * throws: a malformed signature, or fields without a canonical form, are simply not valid.
 */
export function verifyMessageSignature(fields: SignedFields, signature: unknown, publicKey: KeyObject): boolean {
  const bytes = decodeSignature(signature);
  if (bytes === null) return false;
  try {
    return verify(null, signingBytes(fields), publicKey, bytes);
  } catch {
    return false;
  }
}
