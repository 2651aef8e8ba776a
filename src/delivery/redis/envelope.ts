import type { AgentMessage } from '../../model/message.ts';

/**
 * A judged message as one stream entry: field `m` holds the message as JSON, field `r` the reply stream of
 * the sender ('' when the sender asked for fire-and-forget). The message was judged by the sending bus;
 * the receiver only checks that the entry is a message at all, and dead-letters it when it is not.
 */
export interface StreamEnvelope {
  readonly message: AgentMessage;
  /** Where the outcome goes; empty for fire-and-forget. */
  readonly replyTo: string;
}

export function encodeEnvelope(message: AgentMessage, replyTo: string): string[] {
  return ['m', JSON.stringify(message), 'r', replyTo];
}

/** Stream fields as RESP2 returns them: a flat [field, value, field, value, ...] list. */
export function fieldsOf(flat: readonly unknown[]): Map<string, string> {
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = flat[i];
    const value = flat[i + 1];
    if (typeof field === 'string' && typeof value === 'string') fields.set(field, value);
  }
  return fields;
}

/** One field of a flat RESP2 field list, without building a map (an inbox entry has two fields). */
export function fieldOf(flat: readonly unknown[], name: string): string | undefined {
  for (let i = 0; i + 1 < flat.length; i += 2) {
    if (flat[i] === name) {
      const value = flat[i + 1];
      return typeof value === 'string' ? value : undefined;
    }
  }
  return undefined;
}

/** The envelope of an inbox entry as read (flat fields), or why it is not one. */
export function decodeEntry(flat: readonly unknown[]): { ok: true; envelope: StreamEnvelope } | { ok: false; reason: string } {
  return parseEnvelope(fieldOf(flat, 'm'), fieldOf(flat, 'r'));
}

/** The envelope, or why the entry is not one (the reason goes to the dead-letter stream). */
export function decodeEnvelope(fields: ReadonlyMap<string, string>): { ok: true; envelope: StreamEnvelope } | { ok: false; reason: string } {
  return parseEnvelope(fields.get('m'), fields.get('r'));
}

function parseEnvelope(raw: string | undefined, replyTo: string | undefined): { ok: true; envelope: StreamEnvelope } | { ok: false; reason: string } {
  if (raw === undefined) return { ok: false, reason: 'entry has no message field' };
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'message field is not JSON' };
  }
  const m = message as Record<string, unknown> | null;
  if (m === null || typeof m !== 'object' || typeof m.id !== 'string' || typeof m.to !== 'string' || typeof m.from !== 'string' || typeof m.tenantId !== 'string') {
    return { ok: false, reason: 'message field is not an agent message (id, from, to, tenantId)' };
  }
  return { ok: true, envelope: { message: m as unknown as AgentMessage, replyTo: replyTo ?? '' } };
}

/** A delivery's outcome as the reply stream carries it. */
export type RemoteOutcome = { ok: true } | { ok: false; code: string; reason: string };

export function encodeOutcome(messageId: string, outcome: RemoteOutcome): string[] {
  return outcome.ok ? ['id', messageId, 'ok', '1'] : ['id', messageId, 'ok', '0', 'code', outcome.code, 'reason', outcome.reason];
}

export function decodeOutcome(fields: ReadonlyMap<string, string>): { id: string; outcome: RemoteOutcome } | undefined {
  const id = fields.get('id');
  if (id === undefined) return undefined;
  if (fields.get('ok') === '1') return { id, outcome: { ok: true } };
  return { id, outcome: { ok: false, code: fields.get('code') ?? 'E_INTERNAL', reason: fields.get('reason') ?? 'no reason given' } };
}

/**
 * Several outcomes for one reply stream as one entry (the outcomes of a read batch settled in one turn): field
 * `o` holds `[[id, 1] | [id, 0, code, reason], ...]` as JSON.
 */
export function encodeOutcomes(outcomes: readonly { readonly id: string; readonly outcome: RemoteOutcome }[]): string[] {
  return ['o', JSON.stringify(outcomes.map(({ id, outcome }) => (outcome.ok ? [id, 1] : [id, 0, outcome.code, outcome.reason])))];
}

/** Every outcome a reply entry carries, in either form; an entry that is neither carries none. */
export function decodeOutcomes(fields: ReadonlyMap<string, string>): { id: string; outcome: RemoteOutcome }[] {
  const many = fields.get('o');
  if (many === undefined) {
    const one = decodeOutcome(fields);
    return one === undefined ? [] : [one];
  }
  let rows: unknown;
  try {
    rows = JSON.parse(many);
  } catch {
    return [];
  }
  if (!Array.isArray(rows)) return [];
  const out: { id: string; outcome: RemoteOutcome }[] = [];
  for (const row of rows) {
    if (!Array.isArray(row) || typeof row[0] !== 'string') continue;
    out.push({
      id: row[0],
      outcome: row[1] === 1 ? { ok: true } : { ok: false, code: typeof row[2] === 'string' ? row[2] : 'E_INTERNAL', reason: typeof row[3] === 'string' ? row[3] : 'no reason given' },
    });
  }
  return out;
}
