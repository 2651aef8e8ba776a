import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { encodeRecordLine, parseRecordLine, recordBody, sha256Hex } from '../../src/audit/chain.ts';
import type { AuditRecord } from '../../src/audit/record.ts';

// Strings that JSON.stringify escapes (quotes, backslashes, control characters, lone and paired surrogates)
// next to plain ASCII and other non-ASCII text.
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\u007f', '\ud800', '\udc00', 'é', '€', 'a') }),
);

const record: fc.Arbitrary<AuditRecord> = fc.record(
  {
    time: fc.oneof(fc.integer({ min: 0, max: 2 ** 45 }), fc.double()),
    id: text,
    from: text,
    to: text,
    tenant: text,
    type: text,
    status: text,
    code: text,
    reasons: fc.array(text, { maxLength: 3 }),
    policyRevision: text,
    deliberation: fc.record(
      { allowed: fc.boolean(), code: text, reasons: fc.array(text, { maxLength: 2 }), templates: fc.array(text, { maxLength: 2 }), cached: fc.boolean() },
      { requiredKeys: ['allowed', 'reasons', 'templates', 'cached'] },
    ),
  },
  { requiredKeys: ['time', 'id', 'from', 'to', 'tenant', 'type', 'status', 'reasons'] },
);

/** The line as the generic serializer writes it: what the hand-built body must match byte for byte. */
function stringified(seq: number, prev: string, r: AuditRecord): string {
  return JSON.stringify({ seq, prev, time: r.time, id: r.id, from: r.from, to: r.to, tenant: r.tenant, type: r.type, status: r.status, code: r.code, reasons: r.reasons, policyRevision: r.policyRevision, deliberation: r.deliberation });
}

test('a record body is byte for byte what JSON.stringify writes, whatever its strings hold', () => {
  fc.assert(
    fc.property(fc.nat(), text, record, (seq, prev, r) => {
      assert.equal(recordBody(seq, prev, r), stringified(seq, prev, r));
    }),
    { numRuns: 3000 },
  );
});

test('an encoded line parses back to its record and carries the SHA-256 of its body', () => {
  fc.assert(
    fc.property(fc.nat(), record, (seq, r) => {
      const prev = sha256Hex(String(seq));
      const { line, hash } = encodeRecordLine(seq, prev, r);
      assert.equal(hash, createHash('sha256').update(stringified(seq, prev, r), 'utf8').digest('hex'));
      const parsed = parseRecordLine(line);
      assert.ok(parsed.ok && parsed.selfHashOk, line);
      assert.deepEqual(parsed.record, JSON.parse(stringified(seq, prev, r).slice(0, -1) + `,"hash":"${hash}"}`));
    }),
    { numRuns: 500 },
  );
});
