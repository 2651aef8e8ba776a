import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { encodeRecordLine, GENESIS_HASH, parseRecordLine } from '../../src/audit/chain.ts';
import { AuditUnreadableError, verifyAudit } from '../../src/audit/verify.ts';
import { logFiles, sampleRecord, tempDir, writeLog } from './helpers.ts';

/** A rotated log of 120 records over several files; each test tampers with its own copy. */
async function freshLog(): Promise<{ dir: string; files: string[] }> {
  const dir = tempDir();
  const files = await writeLog(join(dir, 'audit.jsonl'), 120, { maxBytes: 8 * 1024 });
  return { dir, files };
}

const lines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').slice(0, -1);
const writeLines = (file: string, content: string[]): void => writeFileSync(file, content.map((line) => line + '\n').join(''));

test('an intact rotated log verifies: every file within maxBytes, each starting from the previous file\'s last hash', async () => {
  const { dir, files } = await freshLog();
  assert.ok(files.length >= 3, `expected rotation into several files, got ${files.length}`);
  let prevHash = GENESIS_HASH;
  let seq = 0;
  for (const file of files) {
    assert.ok(statSync(file).size <= 8 * 1024, `${file} is over maxBytes`);
    for (const line of lines(file)) {
      const parsed = parseRecordLine(line);
      assert.ok(parsed.ok && parsed.selfHashOk);
      assert.equal(parsed.record.seq, seq++);
      assert.equal(parsed.record.prev, prevHash);
      prevHash = parsed.record.hash;
    }
  }
  assert.equal(seq, 120);
  const result = await verifyAudit(dir);
  assert.deepEqual(result.ok ? result.logs.map((l) => [l.records, l.files.length, l.head]) : result, [[120, files.length, prevHash]]);
  // The records themselves survive the round trip.
  const first = parseRecordLine(lines(files[0]!)[0]!);
  assert.ok(first.ok);
  const { seq: _s, prev: _p, hash: _h, ...record } = first.record;
  assert.deepEqual(record, sampleRecord(0));
});

test('altered: a record whose contents changed is named, in its file and line', async () => {
  const { dir, files } = await freshLog();
  const content = lines(files[1]!);
  content[4] = content[4]!.replace(/"status":"[a-z]+"/, '"status":"delivered"').replace(/"time":(\d+)/, (_, t) => `"time":${Number(t) + 1}`);
  writeLines(files[1]!, content);
  const result = await verifyAudit(dir);
  assert.ok(!result.ok);
  const seq = (parseRecordLine(lines(files[1]!)[4]!) as { ok: true; record: { seq: number } }).record.seq;
  assert.deepEqual({ kind: result.fault.kind, file: result.fault.file, line: result.fault.line, seq: result.fault.seq }, { kind: 'altered', file: files[1], line: 5, seq });
});

test('altered and re-hashed: the next record no longer links to it', async () => {
  const { dir, files } = await freshLog();
  const content = lines(files[0]!);
  const victim = parseRecordLine(content[2]!);
  assert.ok(victim.ok);
  const { seq, prev, hash: _h, ...record } = victim.record;
  content[2] = encodeRecordLine(seq, prev, { ...record, status: 'delivered', reasons: [] }).line;
  writeLines(files[0]!, content);
  const result = await verifyAudit(dir);
  assert.ok(!result.ok);
  assert.deepEqual([result.fault.kind, result.fault.line, result.fault.seq], ['altered', 4, 3]);
});

test('removed: a deleted record is found at the record after the gap', async () => {
  const { dir, files } = await freshLog();
  const content = lines(files[0]!);
  content.splice(2, 1); // seq 2
  writeLines(files[0]!, content);
  const result = await verifyAudit(dir);
  assert.ok(!result.ok);
  assert.deepEqual([result.fault.kind, result.fault.file, result.fault.line, result.fault.seq], ['removed', files[0], 3, 3]);
  assert.match(result.fault.message, /seq 2 is missing/);
});

test('removed: a whole middle file deleted is found at the next file\'s first record', async () => {
  const { dir, files } = await freshLog();
  const firstSeqOfNext = (parseRecordLine(lines(files[2]!)[0]!) as { ok: true; record: { seq: number } }).record.seq;
  writeFileSync(files[1]!, '');
  const result = await verifyAudit(dir);
  assert.ok(!result.ok);
  assert.deepEqual([result.fault.kind, result.fault.file, result.fault.line, result.fault.seq], ['removed', files[2], 1, firstSeqOfNext]);
});

test('reordered: two records swapped are named where the chain first breaks', async () => {
  const { dir, files } = await freshLog();
  const content = lines(files[0]!);
  [content[3], content[4]] = [content[4]!, content[3]!]; // seq 3 and 4
  writeLines(files[0]!, content);
  const result = await verifyAudit(dir);
  assert.ok(!result.ok);
  assert.deepEqual([result.fault.kind, result.fault.file, result.fault.line, result.fault.seq], ['reordered', files[0], 4, 4]);
  assert.match(result.fault.message, new RegExp(`seq 3 is at ${files[0]!.replace(/[.]/g, '\\.')}:5`));
});

test('truncated: a record cut off mid-line is named', async () => {
  const { dir, files } = await freshLog();
  const last = files[files.length - 1]!;
  const text = readFileSync(last, 'utf8');
  writeFileSync(last, text.slice(0, text.length - 30));
  const result = await verifyAudit(dir);
  assert.ok(!result.ok);
  assert.deepEqual([result.fault.kind, result.fault.file, result.fault.line], ['truncated', last, lines(last).length + 1]);
});

test('truncated: whole records cut from the end are found against the published head', async () => {
  const { dir, files } = await freshLog();
  const intact = await verifyAudit(dir);
  assert.ok(intact.ok);
  const head = intact.logs[0]!.head;
  const last = files[files.length - 1]!;
  writeLines(last, lines(last).slice(0, -2));
  assert.equal((await verifyAudit(dir)).ok, true, 'without an anchor a clean cut at the end cannot be seen');
  const result = await verifyAudit(dir, { expectHead: head });
  assert.ok(!result.ok);
  assert.equal(result.fault.kind, 'truncated');
  assert.equal(result.fault.file, last);
});

test('wrong start hash: a file that does not start from the previous file\'s last hash', async () => {
  const { dir, files } = await freshLog();
  const content = lines(files[2]!);
  const first = parseRecordLine(content[0]!);
  assert.ok(first.ok);
  const { seq, prev: _p, hash: _h, ...record } = first.record;
  content[0] = encodeRecordLine(seq, 'f'.repeat(64), record).line; // re-hashed: only the link is wrong
  writeLines(files[2]!, content);
  const result = await verifyAudit(dir);
  assert.ok(!result.ok);
  assert.deepEqual([result.fault.kind, result.fault.file, result.fault.line, result.fault.seq], ['wrong-start', files[2], 1, seq]);
});

test('wrong start hash: a log whose first record does not start from the genesis hash', async () => {
  const { dir, files } = await freshLog();
  const content = lines(files[0]!);
  const { seq, prev: _p, hash: _h, ...record } = (parseRecordLine(content[0]!) as { ok: true; record: import('../../src/audit/record.ts').ChainedRecord }).record;
  content[0] = encodeRecordLine(seq, 'a'.repeat(64), record).line;
  writeLines(files[0]!, content);
  const result = await verifyAudit(dir);
  assert.ok(!result.ok);
  assert.deepEqual([result.fault.kind, result.fault.file, result.fault.line], ['wrong-start', files[0], 1]);
});

test('a pruned log: missing oldest files fail closed, and verify from the given start hash', async () => {
  const { dir, files } = await freshLog();
  const startHash = (parseRecordLine(lines(files[1]!)[0]!) as { ok: true; record: { prev: string } }).record.prev;
  writeFileSync(files[0]!, '');
  const strict = await verifyAudit(dir);
  assert.ok(!strict.ok);
  assert.equal(strict.fault.kind, 'removed');
  assert.equal((await verifyAudit(dir, { startHash })).ok, true);
  assert.equal((await verifyAudit(dir, { startHash: 'b'.repeat(64) })).ok, false);
});

test('unreadable input throws AuditUnreadableError: missing path, empty directory, unreadable file', async () => {
  const dir = tempDir();
  await assert.rejects(verifyAudit(join(dir, 'nope.jsonl')), AuditUnreadableError);
  await assert.rejects(verifyAudit(dir), AuditUnreadableError);
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'audit.jsonl'), '{}\n');
  chmodSync(join(dir, 'sub', 'audit.jsonl'), 0);
  // root reads files whatever their mode; only check the unreadable case where permissions apply.
  if (process.getuid?.() !== 0) await assert.rejects(verifyAudit(join(dir, 'sub')), AuditUnreadableError);
  await assert.rejects(verifyAudit(dir, { expectHead: 'not-a-hash' }), AuditUnreadableError);
});

test('a single file verifies alone; a rotated file alone needs its start hash', async () => {
  const { files } = await freshLog();
  assert.equal((await verifyAudit(files[0]!)).ok, true);
  const alone = await verifyAudit(files[1]!);
  assert.ok(!alone.ok);
  assert.equal(alone.fault.kind, 'removed');
  const startHash = (parseRecordLine(lines(files[1]!)[0]!) as { ok: true; record: { prev: string } }).record.prev;
  assert.equal((await verifyAudit(files[1]!, { startHash })).ok, true);
});
