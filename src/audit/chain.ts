import { createHash } from 'node:crypto';
import type { AuditRecord, ChainedRecord } from './record.ts';

/** The `prev` of a log's first record: 64 zeros, no record before it. */
export const GENESIS_HASH = '0'.repeat(64);

const HEX64 = /^[0-9a-f]{64}$/;
/** Every line ends with its own hash member; the hash covers the line before it, closed with `}`. */
const HASH_SUFFIX = /,"hash":"([0-9a-f]{64})"\}$/;

export function isHash(value: unknown): value is string {
  return typeof value === 'string' && HEX64.test(value);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * One record as one JSON line (no newline), linked to the previous record by `prev`. The members are
 * written in a fixed order, and the hash covers the exact text written, so a verifier needs no canonical
 * form: it hashes the bytes it reads.
 */
export function encodeRecordLine(seq: number, prev: string, record: AuditRecord): { line: string; hash: string } {
  const body = JSON.stringify({
    seq,
    prev,
    time: record.time,
    id: record.id,
    from: record.from,
    to: record.to,
    tenant: record.tenant,
    type: record.type,
    status: record.status,
    code: record.code,
    reasons: record.reasons,
    policyRevision: record.policyRevision,
    deliberation: record.deliberation,
  });
  const hash = sha256Hex(body);
  return { line: `${body.slice(0, -1)},"hash":"${hash}"}`, hash };
}

export type ParsedLine =
  | { ok: true; record: ChainedRecord; selfHashOk: boolean }
  | { ok: false; reason: string };

/**
 * Reads one line back. `ok: false` when it is not a record at all (not JSON, members missing); otherwise
 * `selfHashOk` says whether the line still hashes to the hash it carries (false: it was altered).
 */
export function parseRecordLine(line: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not a JSON record' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, reason: 'not a JSON object' };
  const record = value as Partial<ChainedRecord>;
  if (!Number.isSafeInteger(record.seq) || (record.seq as number) < 0) return { ok: false, reason: 'no valid "seq"' };
  if (!isHash(record.prev)) return { ok: false, reason: 'no valid "prev" hash' };
  const suffix = HASH_SUFFIX.exec(line);
  if (suffix === null || record.hash !== suffix[1]) return { ok: false, reason: 'no "hash" as its last member' };
  const body = line.slice(0, suffix.index) + '}';
  return { ok: true, record: record as ChainedRecord, selfHashOk: sha256Hex(body) === record.hash };
}
