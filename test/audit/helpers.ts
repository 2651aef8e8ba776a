import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, type AuditLogOptions } from '../../src/audit/audit-log.ts';
import type { AuditRecord } from '../../src/audit/record.ts';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'agentbus-audit-'));
}

export function sampleRecord(i: number): AuditRecord {
  const statuses = ['delivered', 'rejected', 'failed', 'expired'] as const;
  const status = statuses[i % statuses.length]!;
  return {
    time: 1_700_000_000_000 + i,
    id: `msg-${i}`,
    from: `agent-${i % 7}`,
    to: `agent-${(i + 3) % 7}`,
    tenant: 'acme',
    type: 'command',
    status,
    ...(status === 'delivered' ? {} : { code: status === 'rejected' ? 'E_POLICY_DENIED' : status === 'failed' ? 'E_HANDLER' : 'E_EXPIRED' }),
    reasons: status === 'delivered' ? [] : [`reason ${i} — "quoted", ünïcode`],
    policyRevision: 'rev-1',
    ...(i % 11 === 0 ? { deliberation: { allowed: false, code: 'E_DELIBERATION_DENIED', reasons: ['quota: x <= 3'], templates: ['quota'], cached: false } } : {}),
  };
}

/** Writes `count` records through a real AuditLog and closes it; returns the log's files in chain order. */
export async function writeLog(file: string, count: number, options: Partial<AuditLogOptions> = {}): Promise<string[]> {
  const log = await AuditLog.open({ file, thread: false, ...options });
  for (let i = 0; i < count; i++) log.append(sampleRecord(i));
  await log.close();
  return logFiles(file);
}

/** The files of the log whose first file is `file`, in chain order. */
export function logFiles(file: string): string[] {
  const dir = join(file, '..');
  const stem = file.slice(dir.length + 1).replace(/\.jsonl$/, '');
  const names = readdirSync(dir).filter((name) => name === `${stem}.jsonl` || new RegExp(`^${stem}\\.\\d{6}\\.jsonl$`).test(name));
  const index = (name: string) => (name === `${stem}.jsonl` ? 0 : Number(name.slice(stem.length + 1, stem.length + 7)));
  return names.sort((a, b) => index(a) - index(b)).map((name) => join(dir, name));
}
