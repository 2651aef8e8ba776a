import type { Command } from 'commander';
import { writeJson } from './conventions.ts';
import { AuditUnreadableError, verifyAudit, type VerifyAuditOptions } from '../audit/verify.ts';

export const AUDIT_EXIT = { INTACT: 0, BROKEN: 1, UNREADABLE: 2 } as const;

export interface AuditVerifyOutcome {
  exitCode: number;
  lines: string[];
}

/** `agentbus audit verify`: 0 intact, 1 with the first bad record named, 2 when the input cannot be read. */
export async function runAuditVerify(path: string, options: VerifyAuditOptions = {}): Promise<AuditVerifyOutcome> {
  try {
    const result = await verifyAudit(path, options);
    if (result.ok) {
      const lines = result.logs.map(
        (log) => `intact: ${log.records} records in ${log.files.length} file${log.files.length === 1 ? '' : 's'} (${log.files[0] ?? path}…), head ${log.head}`,
      );
      return { exitCode: AUDIT_EXIT.INTACT, lines };
    }
    const { fault } = result;
    const seq = fault.seq === undefined ? '' : ` (seq ${fault.seq})`;
    return { exitCode: AUDIT_EXIT.BROKEN, lines: [`${fault.file}:${fault.line}: record${seq} ${fault.kind}: ${fault.message}`] };
  } catch (error) {
    if (error instanceof AuditUnreadableError) return { exitCode: AUDIT_EXIT.UNREADABLE, lines: [`error: ${error.message}`] };
    // Anything else is a bug in the verifier: nothing was shown intact, so it is not exit 0.
    return { exitCode: AUDIT_EXIT.UNREADABLE, lines: [`error: could not verify ${path}: ${(error as Error)?.message ?? String(error)}`] };
  }
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the hash-chained audit trail');
  audit
    .command('verify')
    .description('check an audit log (a file, or a directory with its rotated files): exit 0 intact, 1 naming the first bad record, 2 unreadable')
    .argument('<path>', 'audit log file or directory')
    .option('--start-hash <hash>', "the prev of the first record when the log's oldest files were pruned")
    .option('--head <hash>', 'the head hash published when the log was written (detects records cut from the end)')
    .option('--json', 'print one JSON document: exitCode and the lines (the verdict, or the first bad record)', false)
    .action(async (path: string, opts: { startHash?: string; head?: string; json: boolean }) => {
      const outcome = await runAuditVerify(path, {
        ...(opts.startHash !== undefined ? { startHash: opts.startHash } : {}),
        ...(opts.head !== undefined ? { expectHead: opts.head } : {}),
      });
      if (opts.json) writeJson({ exitCode: outcome.exitCode, lines: outcome.lines });
      else for (const line of outcome.lines) (outcome.exitCode === 0 ? console.log : console.error)(line);
      process.exitCode = outcome.exitCode;
    });
}
