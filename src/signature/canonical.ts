import canonicalize from 'canonicalize';
import type { JsonValue } from '../model/message.ts';

/**
 * Prefixed to every signed text, so a signature over a message can never be taken for a signature over
 * anything else the same key signs, and a future encoding can change the prefix.
 */
export const SIGNATURE_DOMAIN = 'agentbus/message-signature/v1\n';

/** The fields a signature covers: everything that decides where a message goes and what it says. */
export interface SignedFields {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly tenantId: string;
  readonly type: string;
  readonly priority: number;
  readonly createdAt: number;
  readonly expiresAt?: number | undefined;
  readonly payload: JsonValue;
  readonly constitutionalHash: string;
}

/**
 * The text a signature covers: the domain prefix, then the fields as RFC 8785 canonical JSON (members
 * sorted by UTF-16 code units, numbers in their shortest round-trip form, no whitespace), so a signer in
 * any language that implements RFC 8785 gets the same bytes. A missing `expiresAt` is `null`. Throws on
 * values JSON cannot carry (NaN, lone surrogates), which intake refuses before this is reached.
 */
export function canonicalSigningText(fields: SignedFields): string {
  const text = canonicalize({
    id: fields.id,
    from: fields.from,
    to: fields.to,
    tenantId: fields.tenantId,
    type: fields.type,
    priority: fields.priority,
    createdAt: fields.createdAt,
    expiresAt: fields.expiresAt ?? null,
    payload: fields.payload ?? null,
    constitutionalHash: fields.constitutionalHash,
  });
  if (text === undefined) throw new TypeError('the message has no canonical form');
  return SIGNATURE_DOMAIN + text;
}

export function signingBytes(fields: SignedFields): Buffer {
  return Buffer.from(canonicalSigningText(fields), 'utf8');
}
