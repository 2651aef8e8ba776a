// What the audit trail costs the thread that embeds the bus. Two measurements:
//  1. appendOutcome() alone (tinybench): the per-record cost on the caller, which the bus pays inside settle().
//  2. a sustained run: records appended 256 per macrotask (as settle() appends them between verdict
//     drains) until all are written; main-thread busy time per record (event-loop utilization), and records
//     per second through the writer, with the writer on its own thread (default) and on the main thread.
// Run: node --import tsx bench/audit.ts [--records 200000] [--quick]
// The bus-level figure (msgs/s with audit on vs off, same run) needs the bus wired; see the report.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { AuditLog } from '../src/audit/audit-log.ts';
import type { AuditRecord } from '../src/audit/record.ts';
import { machineInfo } from './machine.ts';

const { values } = parseArgs({ options: { records: { type: 'string' }, quick: { type: 'boolean', default: false } } });
const quick = values.quick === true;
const RECORDS = Number(values.records ?? (quick ? 20_000 : 200_000));
const PER_TICK = 256;

const records: AuditRecord[] = Array.from({ length: 1024 }, (_, i) => ({
  time: Date.now(),
  id: `Qm3x8vZp0aLk-${i.toString(36)}`,
  from: `agent-${i % 50}`,
  to: `agent-${(i * 7) % 50}`,
  tenant: `tenant-${i % 4}`,
  type: 'command',
  status: i % 10 === 0 ? 'rejected' : 'delivered',
  ...(i % 10 === 0 ? { code: 'E_POLICY_DENIED' } : {}),
  reasons: i % 10 === 0 ? [`agent-${i % 50} may not send to agent-${(i * 7) % 50}`] : [],
  policyRevision: '3f9a1c07d2b4e615',
}));

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

async function appendAlone(dir: string): Promise<{ nsPerAppend: number; rmePercent: number }> {
  const log = await AuditLog.open({ file: join(dir, 'micro.jsonl'), maxQueued: 50_000_000, reserve: 1, maxBatch: 4096 });
  const messages = records.map((r) => ({ id: r.id, from: r.from, to: r.to, tenantId: r.tenant, type: r.type }));
  let i = 0;
  const bench = new Bench({ time: quick ? 200 : 1000, warmupTime: quick ? 50 : 200 });
  // As the bus calls it in settle(): the message and its outcome straight into the columns.
  bench.add('appendOutcome', () => {
    for (let k = 0; k < 100; k++) {
      const r = records[(i = (i + 1) & 1023)]!;
      log.appendOutcome(r.time, messages[i]!, r.status, r.code, r.reasons, r.policyRevision);
    }
  });
  await bench.run();
  await log.close();
  const latency = (bench.tasks[0]!.result as { latency: { mean: number; rme: number } }).latency;
  return { nsPerAppend: Math.round((latency.mean * 1e6) / 100), rmePercent: Math.round(latency.rme * 10) / 10 };
}

async function sustained(dir: string, thread: boolean): Promise<{ thread: boolean; mainUsPerRecord: number; recordsPerSecond: number; files: number }> {
  const file = join(dir, `sustained-${thread ? 'thread' : 'inline'}.jsonl`);
  const log = await AuditLog.open({ file, thread, maxBytes: 16 * 1024 * 1024 });
  const elu0 = performance.eventLoopUtilization();
  const started = performance.now();
  for (let n = 0; n < RECORDS; ) {
    // Hold admission as the bus would: never let the queue run past the writer.
    if (!log.writable) await log.whenWritable();
    for (let k = 0; k < PER_TICK && n < RECORDS; k++, n++) log.append(records[n & 1023]!);
    await tick();
  }
  await log.flush();
  const seconds = (performance.now() - started) / 1000;
  const elu = performance.eventLoopUtilization(elu0);
  const head = log.head();
  await log.close();
  return { thread, mainUsPerRecord: Math.round((elu.active * 1000 * 100) / RECORDS) / 100, recordsPerSecond: Math.round(RECORDS / seconds), files: head.segment + 1 };
}

const dir = mkdtempSync(join(tmpdir(), 'agentbus-bench-audit-'));
try {
  const machine = machineInfo();
  console.log(`audit bench: ${RECORDS} records; ${machine.cpuModel}, ${machine.cores} cores, node ${machine.node}, commit ${machine.commit}`);
  const alone = await appendAlone(dir);
  console.log(`appendOutcome() on the caller: ${alone.nsPerAppend} ns per record (±${alone.rmePercent}%)`);
  for (const thread of [true, false]) {
    const run = await sustained(dir, thread);
    console.log(`sustained, writer ${thread ? 'on its own thread' : 'on the main thread'}: main thread ${run.mainUsPerRecord} µs busy per record (append + hand-off${thread ? '' : ' + serialize + hash + write'}), ${run.recordsPerSecond} records/s written, ${run.files} file(s)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
