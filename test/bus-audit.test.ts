import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRecordLine } from '../src/audit/chain.ts';
import type { ChainedRecord } from '../src/audit/record.ts';
import { verifyAudit } from '../src/audit/verify.ts';
import { createAgentBus, type SendResult } from '../src/index.ts';
import { logFiles, tempDir } from './audit/helpers.ts';

/** Every record of the log whose first file is `file`, in chain order. */
function readRecords(file: string): ChainedRecord[] {
  const out: ChainedRecord[] = [];
  for (const path of logFiles(file)) {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line === '') continue;
      const parsed = parseRecordLine(line);
      assert.ok(parsed.ok, line);
      out.push(parsed.record);
    }
  }
  return out;
}

const base = { from: 'alice', to: 'bob', type: 'command', tenantId: 'acme' } as const;

for (const mode of ['workers', 'inline'] as const) {
  test(`${mode}: every settled send is one record (delivered, rejected in the pipeline, refused at intake, failed in the handler), and the log verifies`, async () => {
    const file = join(tempDir(), 'audit.jsonl');
    const bus = await createAgentBus({ mode, workers: 1, log: () => {}, deliberation: false, audit: { file } });
    let results: SendResult[];
    try {
      bus.registerAgent({ id: 'alice', tenantId: 'acme', handler: () => {} });
      bus.registerAgent({ id: 'bob', tenantId: 'acme', handler: (m) => {
        if ((m.payload as { boom?: boolean } | null)?.boom) throw new Error('handler down');
      } });
      bus.registerAgent({ id: 'eve', tenantId: 'other', handler: () => {} });
      results = await Promise.all([
        bus.send({ ...base, id: 'ok' }),
        bus.send({ ...base, id: 'cross-tenant', to: 'eve' }),
        bus.send({ ...base, id: 'bad-type', type: 'nonsense' as never }),
        bus.send({ ...base, id: 'boom', payload: { boom: true } }),
      ]);
      assert.deepEqual(results.map((r) => [r.id, r.status, r.code]), [
        ['ok', 'delivered', undefined],
        ['cross-tenant', 'rejected', 'E_TENANT'],
        ['bad-type', 'rejected', 'E_INVALID_MESSAGE'],
        ['boom', 'failed', 'E_HANDLER'],
      ]);
    } finally {
      await bus.close();
    }
    const verified = await verifyAudit(file);
    assert.ok(verified.ok, JSON.stringify(verified));
    const records = readRecords(file);
    assert.deepEqual(
      records.map((r) => [r.id, r.from, r.to, r.tenant, r.status, r.code]).sort(),
      [
        ['bad-type', 'alice', 'bob', 'acme', 'rejected', 'E_INVALID_MESSAGE'],
        ['boom', 'alice', 'bob', 'acme', 'failed', 'E_HANDLER'],
        ['cross-tenant', 'alice', 'eve', 'acme', 'rejected', 'E_TENANT'],
        ['ok', 'alice', 'bob', 'acme', 'delivered', undefined],
      ].sort(),
    );
    const byId = new Map(records.map((r) => [r.id, r]));
    assert.deepEqual(byId.get('boom')!.reasons, results.find((r) => r.id === 'boom')!.reasons);
    // The bundled policy judged these: each record names its revision (intake refusals were judged by none,
    // but carry it too: the revision in force when the bus refused them).
    assert.equal(typeof byId.get('ok')!.policyRevision, 'string');
    assert.equal(byId.get('ok')!.type, 'command');
    assert.equal(byId.get('ok')!.deliberation, undefined);
  });
}

test('the record keeps the reasons as settled, whatever the caller later does with its result', async () => {
  const file = join(tempDir(), 'audit.jsonl');
  const bus = await createAgentBus({ mode: 'inline', log: () => {}, deliberation: false, policy: false, audit: { file } });
  try {
    bus.registerAgent({ id: 'alice', tenantId: 'acme', handler: () => {} });
    const result = await bus.send({ ...base, id: 'to-nobody' });
    assert.equal(result.code, 'E_UNKNOWN_AGENT');
    const original = [...result.reasons];
    result.reasons.length = 0;
    result.reasons.push('rewritten by the caller');
    await bus.close();
    assert.deepEqual(readRecords(file).map((r) => r.reasons), [original]);
  } finally {
    await bus.close();
  }
});

test('intake refusals record what the input says without calling its getters', async () => {
  const file = join(tempDir(), 'audit.jsonl');
  const bus = await createAgentBus({ mode: 'inline', log: () => {}, deliberation: false, policy: false, audit: { file } });
  let calls = 0;
  try {
    const hostile = { ...base, id: 'hostile', get type() {
      calls++;
      return 'nonsense';
    } };
    const result = await bus.send(hostile as never);
    assert.equal(result.code, 'E_INVALID_MESSAGE');
  } finally {
    await bus.close();
  }
  assert.equal(calls, 1, 'intake reads the getter once; the audit record never calls it');
  assert.deepEqual(readRecords(file).map((r) => [r.id, r.from, r.to, r.type]), [['hostile', 'alice', 'bob', '']]);
});

test('deliberation: the decision of a high-impact message is in its record', async () => {
  const file = join(tempDir(), 'audit.jsonl');
  const bus = await createAgentBus({ workers: 1, log: () => {}, audit: { file } });
  try {
    bus.registerAgent({ id: 'treasurer', tenantId: 'tenant-a', tier: 2, handler: () => {} });
    bus.registerAgent({ id: 'bank', tenantId: 'tenant-a', handler: () => {} });
    const transfer = { from: 'treasurer', to: 'bank', type: 'command', tenantId: 'tenant-a' } as const;
    const huge = await bus.send({ ...transfer, id: 'huge', payload: { action: 'transfer', amount: 95_000, currency: 'EUR' } });
    assert.equal(huge.code, 'E_DELIBERATION_DENIED');
    const low = await bus.send({ ...transfer, id: 'low', payload: { action: 'read', path: '/docs' } });
    assert.equal(low.status, 'delivered');
  } finally {
    await bus.close();
  }
  const byId = new Map(readRecords(file).map((r) => [r.id, r]));
  const deliberation = byId.get('huge')!.deliberation!;
  assert.equal(deliberation.allowed, false);
  assert.equal(deliberation.code, 'E_DELIBERATION_DENIED');
  assert.ok(deliberation.templates.includes('tier-quota'), JSON.stringify(deliberation));
  assert.deepEqual(Object.keys(deliberation).sort(), ['allowed', 'cached', 'code', 'reasons', 'templates']);
  assert.equal(byId.get('low')!.deliberation, undefined);
});

test('backpressure: with a log slower than the bus, admission waits and no record is lost', async () => {
  const file = join(tempDir(), 'audit.jsonl');
  // maxQueued 4 and (defaulted from maxInFlight) a reserve of 8: without the wait at admission, sends
  // settling faster than the writer's two records per write would overflow it.
  const bus = await createAgentBus({ mode: 'inline', log: () => {}, deliberation: false, policy: false, maxInFlight: 8, audit: { file, thread: false, maxQueued: 4, maxBatch: 2 } });
  let results: SendResult[];
  try {
    bus.registerAgent({ id: 'alice', tenantId: 'acme', handler: () => {} });
    bus.registerAgent({ id: 'bob', tenantId: 'acme', handler: () => {} });
    results = [];
    // Waves no larger than the waiting lines (maxInFlight each), so nothing is turned away for their length.
    for (let wave = 0; wave < 30; wave++) {
      results.push(...(await Promise.all(Array.from({ length: 8 }, (_, i) => bus.send({ ...base, id: `m-${wave}-${i}` })))));
    }
    assert.deepEqual(results.filter((r) => r.status !== 'delivered'), []);
  } finally {
    await bus.close();
  }
  assert.deepEqual(bus.auditStats(), { appended: 240, written: 240, queued: 0, dropped: 0, overflowed: 0, lost: 0 });
  assert.equal(readRecords(file).length, 240);
});

test('a log whose writer is stuck turns sends away with E_OVERLOADED after admissionTimeoutMs', async () => {
  const dir = tempDir();
  const file = join(dir, 'audit.jsonl');
  // The second segment is a FIFO nobody reads: the writer's rotation blocks opening it, so the log stays full.
  // Made after the bus opened the log (opening reads the last segment's tail, which would block on it).
  const fifo = join(dir, 'audit.000001.jsonl');
  const bus = await createAgentBus({ mode: 'inline', log: () => {}, deliberation: false, policy: false, admissionTimeoutMs: 50, audit: { file, thread: false, maxBytes: 512, maxQueued: 2 } });
  execFileSync('mkfifo', [fifo]);
  let reader: number | null = null;
  try {
    bus.registerAgent({ id: 'alice', tenantId: 'acme', handler: () => {} });
    bus.registerAgent({ id: 'bob', tenantId: 'acme', handler: () => {} });
    const statuses: string[] = [];
    for (let i = 0; i < 20 && !statuses.includes('rejected'); i++) {
      const result = await bus.send({ ...base, id: `m-${i}` });
      statuses.push(result.status);
      if (result.status === 'rejected') {
        assert.equal(result.code, 'E_OVERLOADED', JSON.stringify(result));
        assert.match(result.reasons[0]!, /audit log stayed full for 50 ms/);
        assert.ok(result.latencyUs >= 45_000, `waited ${result.latencyUs} µs`);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.ok(statuses.includes('rejected') && statuses[0] === 'delivered', statuses.join());
    const { dropped, overflowed, lost } = bus.auditStats()!;
    assert.deepEqual({ dropped, overflowed, lost }, { dropped: 0, overflowed: 0, lost: 0 });
  } finally {
    // A reader lets the stuck open (and the writes behind it) finish, so close() can flush.
    reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    await bus.close();
    closeSync(reader);
  }
});

test('a failed log refuses every new message (fail closed), and close() reports the failure', async () => {
  const dir = tempDir();
  const file = join(dir, 'audit.jsonl');
  const bus = await createAgentBus({ mode: 'inline', log: () => {}, deliberation: false, policy: false, audit: { file, thread: false, maxBytes: 1024 } });
  // The next segment's path is taken by a directory: the first rotation fails the writer.
  mkdirSync(join(dir, 'audit.000001.jsonl'));
  bus.registerAgent({ id: 'alice', tenantId: 'acme', handler: () => {} });
  bus.registerAgent({ id: 'bob', tenantId: 'acme', handler: () => {} });
  const delivered: SendResult[] = [];
  // The writer fails on its own schedule (file operations on libuv's pool, slow on a loaded host): send until
  // the bus refuses, bounded by time rather than by a count of messages.
  const deadline = Date.now() + 10_000;
  let refused: SendResult | undefined;
  for (let i = 0; refused === undefined && Date.now() < deadline; i++) {
    const result = await bus.send({ ...base, id: `m-${i}` });
    if (result.status === 'delivered') delivered.push(result);
    else refused = result;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  assert.ok(refused !== undefined, `refused within 10 s of the log failing (${delivered.length} delivered)`);
  assert.equal(refused.code, 'E_INTERNAL', JSON.stringify(refused));
  assert.match(refused.reasons[0]!, /the audit log failed/);
  assert.ok(delivered.length > 0, 'the records before the failed rotation were delivered');
  const after = await bus.send({ ...base, id: 'after' });
  assert.deepEqual([after.status, after.code], ['rejected', 'E_INTERNAL']);
  await assert.rejects(bus.close(), { code: 'E_INTERNAL' });
});

test('bad audit options fail creation with E_CONFIG', async () => {
  await assert.rejects(createAgentBus({ mode: 'inline', log: () => {}, deliberation: false, audit: { file: '' } }), { code: 'E_CONFIG' });
  await assert.rejects(createAgentBus({ mode: 'inline', log: () => {}, deliberation: false, audit: 'yes' as never }), { code: 'E_CONFIG' });
  await assert.rejects(createAgentBus({ mode: 'inline', log: () => {}, deliberation: false, audit: { file: join(tempDir(), 'a.jsonl'), onFull: 'never' as never } }), { code: 'E_CONFIG' });
});
