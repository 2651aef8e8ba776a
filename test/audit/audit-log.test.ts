import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { parseRecordLine } from '../../src/audit/chain.ts';
import { verifyAudit } from '../../src/audit/verify.ts';
import { logFiles, sampleRecord, tempDir, writeLog } from './helpers.ts';

const recordCount = (files: string[]): number => files.reduce((n, file) => n + readFileSync(file, 'utf8').split('\n').length - 1, 0);

for (const thread of [false, true]) {
  test(`${thread ? 'writer thread' : 'inline writer'}: 5,000 records, rotated, all written in order and verified`, async () => {
    const file = join(tempDir(), 'audit.jsonl');
    const log = await AuditLog.open({ file, thread, maxBytes: 64 * 1024, maxBatch: 512 });
    for (let i = 0; i < 5_000; i++) {
      assert.equal(log.append(sampleRecord(i)), true);
      if (i % 1_000 === 999) await new Promise((resolve) => setImmediate(resolve));
    }
    await log.flush();
    assert.deepEqual(log.stats(), { appended: 5_000, written: 5_000, queued: 0, dropped: 0, overflowed: 0, lost: 0 });
    const head = log.head();
    await log.close();
    const files = logFiles(file);
    assert.ok(files.length > 3);
    assert.equal(recordCount(files), 5_000);
    const result = await verifyAudit(file.replace(/audit\.jsonl$/, ''), { expectHead: head.hash });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(head.nextSeq, 5_000);
    const lastLines = readFileSync(files[files.length - 1]!, 'utf8').trimEnd().split('\n');
    const last = parseRecordLine(lastLines[lastLines.length - 1]!);
    assert.ok(last.ok);
    assert.equal(last.record.id, 'msg-4999');
  });
}

test('reopening a log resumes its chain (seq and hash) and the whole verifies', async () => {
  const dir = tempDir();
  const file = join(dir, 'audit.jsonl');
  await writeLog(file, 300, { maxBytes: 16 * 1024 });
  const log = await AuditLog.open({ file, thread: false, maxBytes: 16 * 1024 });
  assert.equal(log.head().nextSeq, 300);
  for (let i = 300; i < 450; i++) log.append(sampleRecord(i));
  await log.close();
  const result = await verifyAudit(dir);
  assert.ok(result.ok, JSON.stringify(result));
  assert.equal(result.logs[0]!.records, 450);
});

test('a log with a partial last record is refused (E_CONFIG), not extended', async () => {
  const dir = tempDir();
  const file = join(dir, 'audit.jsonl');
  await writeLog(file, 10);
  appendFileSync(file, '{"seq":10,"prev":"ab');
  await assert.rejects(AuditLog.open({ file, thread: false }), (error: { code?: string; message: string }) => error.code === 'E_CONFIG' && /partial record/.test(error.message));
  await assert.rejects(AuditLog.open({ file, thread: true }), (error: { code?: string; message: string }) => error.code === 'E_CONFIG' && /partial record/.test(error.message));
});

test('bad options are E_CONFIG', async () => {
  const file = join(tempDir(), 'audit.jsonl');
  for (const options of [{ file: '' }, { file, maxBytes: 0 }, { file, maxQueued: -1 }, { file, onFull: 'block' }, { file, maxBatch: 1.5 }]) {
    await assert.rejects(AuditLog.open(options as never), { code: 'E_CONFIG' }, JSON.stringify(options));
  }
});

test('backpressure: full at maxQueued, writable again after the writer drains, nothing lost', async () => {
  const file = join(tempDir(), 'audit.jsonl');
  const log = await AuditLog.open({ file, thread: false, maxQueued: 100, reserve: 50, maxBatch: 10 });
  for (let i = 0; i < 99; i++) log.append(sampleRecord(i));
  assert.equal(log.writable, true);
  log.append(sampleRecord(99));
  assert.equal(log.writable, false, 'full at maxQueued');
  let released = false;
  const waiting = log.whenWritable().then(() => {
    released = true;
  });
  // Records of messages admitted before the bus saw the log full still fit, up to the reserve.
  for (let i = 100; i < 150; i++) assert.equal(log.append(sampleRecord(i)), true);
  assert.equal(log.append(sampleRecord(150)), false, 'past the reserve');
  assert.equal(released, false);
  await waiting;
  assert.ok(log.stats().queued <= 50, `writable again at half of maxQueued, queued ${log.stats().queued}`);
  await log.close();
  assert.deepEqual(log.stats(), { appended: 150, written: 150, queued: 0, dropped: 0, overflowed: 1, lost: 0 });
  const result = await verifyAudit(file);
  assert.ok(result.ok && result.logs[0]!.records === 150);
});

test('drop-and-count: never blocks; records past maxQueued are dropped and counted', async () => {
  const file = join(tempDir(), 'audit.jsonl');
  const log = await AuditLog.open({ file, thread: false, onFull: 'drop-and-count', maxQueued: 10 });
  const kept = Array.from({ length: 25 }, (_, i) => log.append(sampleRecord(i)));
  assert.deepEqual(kept, [...Array(10).fill(true), ...Array(15).fill(false)]);
  assert.equal(log.writable, true);
  await log.whenWritable();
  await log.close();
  assert.deepEqual(log.stats(), { appended: 10, written: 10, queued: 0, dropped: 15, overflowed: 0, lost: 0 });
  const result = await verifyAudit(file);
  assert.ok(result.ok && result.logs[0]!.records === 10);
});

for (const thread of [false, true]) {
  test(`${thread ? 'writer thread' : 'inline writer'}: a failed write fails the log closed: whenWritable and flush reject, later records count as lost`, async () => {
    const dir = tempDir();
    const file = join(dir, 'audit.jsonl');
    const log = await AuditLog.open({ file, thread, maxBytes: 2048, maxBatch: 1000 });
    // The next segment's path is taken by a directory: the rotation cannot open it.
    mkdirSync(join(dir, 'audit.000001.jsonl'));
    for (let i = 0; i < 100; i++) log.append(sampleRecord(i));
    await assert.rejects(log.flush(), { code: 'E_INTERNAL' });
    assert.equal(log.writable, false);
    await assert.rejects(log.whenWritable(), { code: 'E_INTERNAL' });
    assert.equal(log.append(sampleRecord(100)), false);
    const stats = log.stats();
    assert.equal(stats.written, 0);
    assert.equal(stats.lost, 101);
    await assert.rejects(log.close(), { code: 'E_INTERNAL' });
    assert.throws(() => log.append(sampleRecord(101)), { code: 'E_CLOSED' });
  });
}

test('auditRecordOf: a settled message and its outcome as one record, optional fields only when present', async () => {
  const { auditRecordOf } = await import('../../src/audit/record.ts');
  const message = { id: 'm1', from: 'a', to: 'b', tenantId: 'acme', type: 'command', payload: { secret: 1 } };
  assert.deepEqual(auditRecordOf(message, { status: 'delivered', reasons: [] }, { time: 5 }), {
    time: 5, id: 'm1', from: 'a', to: 'b', tenant: 'acme', type: 'command', status: 'delivered', reasons: [],
  });
  const deliberation = { allowed: false, code: 'E_DELIBERATION_DENIED', reasons: ['r'], templates: ['t'], cached: true };
  assert.deepEqual(auditRecordOf(message, { status: 'rejected', code: 'E_DELIBERATION_DENIED', reasons: ['r'] }, { time: 6, policyRevision: 'rev', deliberation }), {
    time: 6, id: 'm1', from: 'a', to: 'b', tenant: 'acme', type: 'command', status: 'rejected', code: 'E_DELIBERATION_DENIED', reasons: ['r'], policyRevision: 'rev', deliberation,
  });
});

test('writer thread: records appended and never flushed are written, and the idle thread does not keep the process alive', async () => {
  const { execFile } = await import('node:child_process');
  const file = join(tempDir(), 'audit.jsonl');
  const fixture = join(import.meta.dirname, '../fixtures/audit-exit.ts');
  const started = Date.now();
  const exit = await new Promise<number | null>((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', fixture, file], { timeout: 60_000 }, () => {});
    child.on('exit', (code) => resolve(code));
  });
  assert.equal(exit, 0, `exited ${exit} after ${Date.now() - started} ms`);
  const result = await verifyAudit(file);
  assert.ok(result.ok && result.logs[0]!.records === 1_000, JSON.stringify(result));
});

test('appendOutcome writes exactly what append(auditRecordOf(...)) writes', async () => {
  const { auditRecordOf } = await import('../../src/audit/record.ts');
  const dir = tempDir();
  const viaRecord = await AuditLog.open({ file: join(dir, 'a.jsonl'), thread: false });
  const viaOutcome = await AuditLog.open({ file: join(dir, 'b.jsonl'), thread: false });
  for (let i = 0; i < 50; i++) {
    const r = sampleRecord(i);
    const message = { id: r.id, from: r.from, to: r.to, tenantId: r.tenant, type: r.type };
    viaRecord.append(auditRecordOf(message, { status: r.status, reasons: r.reasons, ...(r.code ? { code: r.code } : {}) }, { time: r.time, policyRevision: r.policyRevision, deliberation: r.deliberation }));
    viaOutcome.appendOutcome(r.time, message, r.status, r.code, r.reasons, r.policyRevision, r.deliberation);
  }
  await Promise.all([viaRecord.close(), viaOutcome.close()]);
  const a = readFileSync(join(dir, 'a.jsonl'), 'utf8');
  assert.equal(a.split('\n').length, 51);
  assert.equal(readFileSync(join(dir, 'b.jsonl'), 'utf8'), a);
});

/** Niceness of each thread of this process (Linux: field 19 of /proc/self/task/<tid>/stat). */
function threadNiceness(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // The command name may hold spaces: fields are counted after its closing parenthesis.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), Number(fields[16]));
    } catch {
      // The thread exited while we listed them.
    }
  }
  return out;
}

test('writer thread: runs at a lower priority than the threads of the bus, so it writes in their gaps', { skip: process.platform !== 'linux' && 'the writer lowers its priority on Linux only (its thread id comes from /proc), so elsewhere there is nothing to check' }, async () => {
  const before = threadNiceness();
  const log = await AuditLog.open({ file: join(tempDir(), 'audit.jsonl') });
  try {
    const niced = [...threadNiceness()].filter(([tid, nice]) => !before.has(tid) && nice > before.get(process.pid)!);
    assert.equal(niced.length, 1, `new threads and their niceness: ${JSON.stringify([...threadNiceness()].filter(([tid]) => !before.has(tid)))}`);
  } finally {
    await log.close();
  }
});

test('lingerMs: a record is written once it has waited lingerMs, without a flush', async () => {
  const file = join(tempDir(), 'audit.jsonl');
  const log = await AuditLog.open({ file, thread: false, lingerMs: 20 });
  try {
    log.append(sampleRecord(0));
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(log.stats().written, 0, 'written before its linger was over');
    const deadline = Date.now() + 2_000;
    while (log.stats().written === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(log.stats().written, 1);
    assert.equal(recordCount([file]), 1);
  } finally {
    await log.close();
  }
  await assert.rejects(AuditLog.open({ file, lingerMs: -1 }), { code: 'E_CONFIG' });
});
