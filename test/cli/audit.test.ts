import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runAuditVerify } from '../../src/cli/audit.ts';
import { tempDir, writeLog } from '../audit/helpers.ts';

const BIN = join(import.meta.dirname, '../../bin/agentbus.js');
const run = promisify(execFile);

/** The real command, as a user runs it: exit code and output. */
async function agentbus(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

test('agentbus audit verify: 0 intact, 1 naming the first bad record, 2 unreadable', async () => {
  const dir = tempDir();
  const files = await writeLog(join(dir, 'audit.jsonl'), 60, { maxBytes: 4096 });
  const intact = await agentbus('audit', 'verify', dir);
  assert.equal(intact.code, 0, intact.stderr);
  assert.match(intact.stdout, /intact: 60 records in \d+ files/);

  const lines = readFileSync(files[1]!, 'utf8').split('\n');
  lines[2] = lines[2]!.replace('"tenant":"acme"', '"tenant":"evil"');
  writeFileSync(files[1]!, lines.join('\n'));
  const broken = await agentbus('audit', 'verify', dir);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, new RegExp(`${files[1]!.replace(/[.]/g, '\\.')}:3: record \\(seq \\d+\\) altered`));

  const missing = await agentbus('audit', 'verify', join(dir, 'absent'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read/);
});

test('runAuditVerify: --head catches records cut from the end; a bad hash argument is exit 2', async () => {
  const dir = tempDir();
  const [file] = await writeLog(join(dir, 'audit.jsonl'), 10);
  const ok = await runAuditVerify(dir);
  assert.equal(ok.exitCode, 0);
  const head = /head ([0-9a-f]{64})/.exec(ok.lines[0]!)![1]!;
  writeFileSync(file!, readFileSync(file!, 'utf8').split('\n').slice(0, 8).join('\n') + '\n');
  assert.equal((await runAuditVerify(dir)).exitCode, 0);
  const cut = await runAuditVerify(dir, { expectHead: head });
  assert.equal(cut.exitCode, 1);
  assert.match(cut.lines[0]!, /truncated/);
  assert.equal((await runAuditVerify(dir, { expectHead: 'xyz' })).exitCode, 2);
});
