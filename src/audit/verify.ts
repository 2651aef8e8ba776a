import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { GENESIS_HASH, isHash, parseRecordLine } from './chain.ts';
import { listLogsInDirectory, parseSegmentName, type Segment } from './segments.ts';

/** How a log was found broken, for the first bad record. */
export type AuditFaultKind = 'altered' | 'removed' | 'reordered' | 'truncated' | 'wrong-start';

export interface AuditFault {
  readonly kind: AuditFaultKind;
  readonly file: string;
  /** 1-based line of the bad record (for a cut tail: the last line read). */
  readonly line: number;
  /** The bad record's seq, when it could be read. */
  readonly seq?: number;
  readonly message: string;
}

export interface VerifiedLog {
  readonly files: readonly string[];
  readonly records: number;
  /** Hash of the last record (the genesis hash for an empty log). */
  readonly head: string;
  readonly nextSeq: number;
}

export type AuditVerification = { ok: true; logs: readonly VerifiedLog[] } | { ok: false; fault: AuditFault; logs: readonly VerifiedLog[] };

export interface VerifyAuditOptions {
  /**
   * Where the chain starts when its oldest files were pruned: the `prev` its first remaining record must
   * carry. Without it a chain must start at seq 0 from the genesis hash.
   */
  readonly startHash?: string;
  /** The head published when the log was written (`AuditLog.head().hash`): records cut from the end are then found. */
  readonly expectHead?: string;
}

/** The input could not be read at all (missing, unreadable, no audit files): nothing was verified. */
export class AuditUnreadableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuditUnreadableError';
  }
}

interface Line {
  readonly text: string;
  readonly number: number;
  /** False for a last line with no newline after it. */
  readonly complete: boolean;
}

async function* readLines(path: string): AsyncGenerator<Line> {
  let rest = '';
  let number = 0;
  try {
    for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 })) {
      const text = rest + (chunk as string);
      let start = 0;
      for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', start)) {
        yield { text: text.slice(start, at), number: ++number, complete: true };
        start = at + 1;
      }
      rest = text.slice(start);
    }
  } catch (error) {
    throw new AuditUnreadableError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (rest.length > 0) yield { text: rest, number: ++number, complete: false };
}

/** Where a record with this seq stands further on in the log (to tell a reordering from a removal). */
async function findSeq(segments: readonly Segment[], fromSegment: number, afterLine: number, seq: number): Promise<{ file: string; line: number } | null> {
  for (let k = fromSegment; k < segments.length; k++) {
    for await (const line of readLines(segments[k]!.path)) {
      if (k === fromSegment && line.number <= afterLine) continue;
      const parsed = parseRecordLine(line.text);
      if (parsed.ok && parsed.record.seq === seq) return { file: segments[k]!.path, line: line.number };
    }
  }
  return null;
}

/** Verifies one log, segment after segment; the first bad record ends it. */
async function verifyLog(segments: readonly Segment[], options: VerifyAuditOptions): Promise<{ log: VerifiedLog; fault: AuditFault | null }> {
  let expectedSeq: number | null = options.startHash === undefined ? 0 : null;
  let expectedPrev = options.startHash ?? GENESIS_HASH;
  let records = 0;
  let lastFile = segments[0]?.path ?? '';
  let lastLine = 0;
  const files = segments.map((segment) => segment.path);
  const done = (fault: AuditFault | null) => ({ log: { files, records, head: expectedPrev, nextSeq: expectedSeq ?? 0 }, fault });

  for (let k = 0; k < segments.length; k++) {
    const file = segments[k]!.path;
    let firstInFile = true;
    for await (const line of readLines(file)) {
      const at = { file, line: line.number };
      lastFile = file;
      lastLine = line.number;
      if (!line.complete) return done({ kind: 'truncated', ...at, message: 'the last record is cut off (no newline after it)' });
      const parsed = parseRecordLine(line.text);
      if (!parsed.ok) return done({ kind: 'altered', ...at, message: `not a record: ${parsed.reason}` });
      const record = parsed.record;
      const seq = record.seq;
      if (!parsed.selfHashOk) return done({ kind: 'altered', ...at, seq, message: 'its contents do not match its hash' });
      expectedSeq ??= seq;
      if (seq > expectedSeq) {
        const missing = await findSeq(segments, k, line.number, expectedSeq);
        if (missing !== null) {
          return done({ kind: 'reordered', ...at, seq, message: `seq ${seq} stands where seq ${expectedSeq} belongs (seq ${expectedSeq} is at ${missing.file}:${missing.line})` });
        }
        const gap = seq - expectedSeq === 1 ? `seq ${expectedSeq} is` : `seqs ${expectedSeq}–${seq - 1} are`;
        const hint = expectedSeq === 0 && records === 0 ? ' (a log whose oldest files were pruned needs --start-hash)' : '';
        return done({ kind: 'removed', ...at, seq, message: `${gap} missing before it${hint}` });
      }
      if (seq < expectedSeq) return done({ kind: 'reordered', ...at, seq, message: `seq ${seq} comes after seq ${expectedSeq - 1}` });
      if (record.prev !== expectedPrev) {
        if (records === 0) {
          const from = options.startHash === undefined ? 'the genesis hash' : 'the given start hash';
          return done({ kind: 'wrong-start', ...at, seq, message: `the log starts from ${record.prev.slice(0, 16)}…, not from ${from}` });
        }
        if (firstInFile) {
          return done({ kind: 'wrong-start', ...at, seq, message: `the file starts from ${record.prev.slice(0, 16)}…, but the previous file ends with ${expectedPrev.slice(0, 16)}…` });
        }
        return done({ kind: 'altered', ...at, seq, message: `its prev does not match the hash of seq ${seq - 1} (one of the two was altered and re-hashed)` });
      }
      firstInFile = false;
      expectedSeq = seq + 1;
      expectedPrev = record.hash;
      records++;
    }
  }
  if (options.expectHead !== undefined && options.expectHead !== expectedPrev) {
    return done({ kind: 'truncated', file: lastFile, line: lastLine, message: `the log ends at ${expectedPrev.slice(0, 16)}… (seq ${(expectedSeq ?? 0) - 1}), not at the expected head ${options.expectHead.slice(0, 16)}…: records were cut from its end` });
  }
  return done(null);
}

/**
 * Verifies an audit log: a directory (every `*.jsonl` log in it, each with its rotated files in order) or
 * one file (alone: its chain must start at seq 0 from the genesis hash, or from `startHash`). Resolves with
 * the first bad record, if any; throws AuditUnreadableError when the input cannot be read.
 */
export async function verifyAudit(path: string, options: VerifyAuditOptions = {}): Promise<AuditVerification> {
  for (const [name, value] of [['startHash', options.startHash], ['expectHead', options.expectHead]] as const) {
    if (value !== undefined && !isHash(value)) throw new AuditUnreadableError(`${name} must be 64 lower-case hex digits`);
  }
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new AuditUnreadableError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  let logs: Segment[][];
  if (info.isDirectory()) {
    let found;
    try {
      found = await listLogsInDirectory(path);
    } catch (error) {
      throw new AuditUnreadableError(`cannot list ${path}: ${(error as Error).message}`, { cause: error });
    }
    if (found.size === 0) throw new AuditUnreadableError(`${path} holds no audit log (*.jsonl)`);
    logs = [...found.values()];
  } else if (info.isFile()) {
    logs = [[{ path, index: parseSegmentName(basename(path)).index }]];
  } else {
    throw new AuditUnreadableError(`${path} is neither a file nor a directory`);
  }
  if (options.expectHead !== undefined && logs.length > 1) throw new AuditUnreadableError(`${path} holds ${logs.length} logs; an expected head names one`);
  const verified: VerifiedLog[] = [];
  for (const segments of logs) {
    const { log, fault } = await verifyLog(segments, options);
    verified.push(log);
    if (fault !== null) return { ok: false, fault, logs: verified };
  }
  return { ok: true, logs: verified };
}
