import { sign } from 'node:crypto';
import { DEFAULT_CONSTITUTIONAL_HASH, generateMessageId, Priority, type AgentMessage, type JsonValue, type MessageInput } from '../model/message.ts';
import { signingBytes } from './canonical.ts';
import { parsePrivateKey, type PrivateKeyInput } from './keys.ts';

/**
 * A message ready to send, with every field the signature covers filled in (the bus would otherwise fill
 * `id`, `createdAt`, `priority` and the hash itself, after the signature was made) and its signature
 * (base64, 64 bytes decoded).
 */
export type SignedMessage = Omit<MessageInput, 'createdAt' | 'expiresAt'> & {
  id: string;
  expiresAt?: number;
  priority: Priority;
  constitutionalHash: string;
  createdAt: number;
  payload: JsonValue;
  signature: string;
};

export interface SignOptions {
  /** The bus's constitutional hash, when the message does not name one. Default `cdd01ef066bc6cf2`. */
  constitutionalHash?: string;
  /** Epoch ms for a message without `createdAt`. Default `Date.now()`. */
  now?: number;
}

/** Signs a message as its sender (Ed25519 over `canonicalSigningText`). */
export function signMessage(message: MessageInput | AgentMessage, privateKey: PrivateKeyInput, options: SignOptions = {}): SignedMessage {
  const key = parsePrivateKey(privateKey);
  const { expiresAt: expiry, createdAt: created, ...rest } = message;
  const createdAt = created instanceof Date ? created.getTime() : (created ?? options.now ?? Date.now());
  const expiresAt = expiry instanceof Date ? expiry.getTime() : expiry;
  const completed = {
    ...rest,
    id: message.id ?? generateMessageId(),
    priority: message.priority ?? Priority.NORMAL,
    constitutionalHash: message.constitutionalHash ?? options.constitutionalHash ?? DEFAULT_CONSTITUTIONAL_HASH,
    createdAt,
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    payload: message.payload ?? null,
  };
  const signature = sign(null, signingBytes(completed), key).toString('base64');
  return { ...completed, signature } as SignedMessage;
}
