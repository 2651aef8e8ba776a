import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { AgentBusError, ErrorCode } from '../errors.ts';
import { ED25519_PUBLIC_KEY_BYTES, ed25519PublicKey } from '../model/registry-snapshot.ts';

/** An Ed25519 public key as registration accepts it: a KeyObject, PEM text, SPKI DER, or the raw 32 bytes. */
export type PublicKeyInput = KeyObject | string | Uint8Array;
/** An Ed25519 private key: a KeyObject or PEM (PKCS#8) text. */
export type PrivateKeyInput = KeyObject | string;

const RAW_KEY_BYTES = ED25519_PUBLIC_KEY_BYTES;

function ed25519(key: KeyObject, kind: 'public' | 'private', what: string): KeyObject {
  if (key.type !== kind || key.asymmetricKeyType !== 'ed25519') {
    throw new AgentBusError(ErrorCode.CONFIG, `${what} must be an Ed25519 ${kind} key (got ${key.asymmetricKeyType ?? key.type} ${key.type})`);
  }
  return key;
}

/** Throws E_CONFIG for anything that is not an Ed25519 public key. */
export function parsePublicKey(input: PublicKeyInput, what = 'publicKey'): KeyObject {
  try {
    if (input instanceof KeyObject) return ed25519(input.type === 'private' ? createPublicKey(input) : input, 'public', what);
    if (typeof input === 'string') return ed25519(createPublicKey(input), 'public', what);
    if (input instanceof Uint8Array) {
      const key = input.length === RAW_KEY_BYTES ? ed25519PublicKey(input) : createPublicKey({ key: Buffer.from(input), format: 'der', type: 'spki' });
      return ed25519(key, 'public', what);
    }
  } catch (error) {
    if (error instanceof AgentBusError) throw error;
    throw new AgentBusError(ErrorCode.CONFIG, `${what} is not a readable Ed25519 public key: ${(error as Error).message}`, { cause: error });
  }
  throw new AgentBusError(ErrorCode.CONFIG, `${what} must be a KeyObject, PEM text or key bytes`);
}

export function parsePrivateKey(input: PrivateKeyInput, what = 'privateKey'): KeyObject {
  try {
    if (input instanceof KeyObject) return ed25519(input, 'private', what);
    if (typeof input === 'string') return ed25519(createPrivateKey(input), 'private', what);
  } catch (error) {
    if (error instanceof AgentBusError) throw error;
    throw new AgentBusError(ErrorCode.CONFIG, `${what} is not a readable Ed25519 private key: ${(error as Error).message}`, { cause: error });
  }
  throw new AgentBusError(ErrorCode.CONFIG, `${what} must be a KeyObject or PEM text`);
}

/** The raw 32 bytes: what a registry snapshot carries to the validation threads. */
export function rawPublicKey(key: KeyObject): Uint8Array {
  const der = key.export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - RAW_KEY_BYTES));
}
