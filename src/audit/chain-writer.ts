import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { batchLength, recordAt, type AuditBatch } from './batch.ts';
import { encodeRecordLine, GENESIS_HASH, parseRecordLine } from './chain.ts';
import { listLogSegments, segmentPath } from './segments.ts';

export interface ChainWriterOptions {
  /** Segment 0 of the log; rotated segments go beside it. */
  readonly file: string;
  /** A segment is closed before a record would take it past this size (a larger record gets a segment alone). */
  readonly maxBytes: number;
  /** `fdatasync` after every batch: records survive a power cut once acknowledged, at a cost per batch. */
  readonly fsync: boolean;
}

/** Where the chain stands: the next record's seq and prev, and the segment it goes to. */
export interface ChainHead {
  readonly nextSeq: number;
  readonly hash: string;
  readonly segment: number;
  readonly path: string;
}

/** The log cannot be extended as it is (a damaged tail); nothing is written to it. */
export class AuditLogDamagedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditLogDamagedError';
  }
}

const TAIL_CHUNK = 64 * 1024;
const PENDING_BYTES = 1024 * 1024;

/** The last line of a file (without its newline), or null for an empty file; a file not ending in a newline is damaged. */
async function readLastLine(path: string): Promise<string | null> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) return null;
    const chunks: Buffer[] = [];
    let end = size;
    let first = true;
    while (end > 0) {
      const start = Math.max(0, end - TAIL_CHUNK);
      const chunk = Buffer.alloc(end - start);
      await handle.read(chunk, 0, chunk.length, start);
      if (first) {
        if (chunk[chunk.length - 1] !== 0x0a) throw new AuditLogDamagedError(`${path} ends in a partial record (no final newline); verify it and move it aside`);
        first = false;
      }
      // The newline before the last line, ignoring the file's final newline.
      const searchEnd = chunks.length === 0 ? chunk.length - 2 : chunk.length - 1;
      const at = chunk.lastIndexOf(0x0a, searchEnd);
      if (at >= 0) {
        chunks.unshift(chunk.subarray(at + 1));
        break;
      }
      chunks.unshift(chunk);
      end = start;
    }
    const text = Buffer.concat(chunks).toString('utf8');
    return text.endsWith('\n') ? text.slice(0, -1) : text;
  } finally {
    await handle.close();
  }
}

/**
 * Appends batches of records to a hash-chained JSON Lines log, rotating by size. Each batch becomes one
 * write per segment it touches. Opening an existing log resumes its chain from the last record, and refuses
 * (AuditLogDamagedError) a log whose last record is partial or altered: extending it would vouch for it.
 * After a failed write the writer stays failed: the chain's state would no longer match the file.
 */
export class ChainWriter {
  private failure: Error | null = null;
  /** Encoded lines wait here until written: one buffer reused, no string joined and re-encoded per batch. */
  private pending = Buffer.allocUnsafe(PENDING_BYTES);

  private constructor(
    private readonly options: ChainWriterOptions,
    private handle: FileHandle,
    private segment: number,
    private size: number,
    private nextSeq: number,
    private hash: string,
  ) {}

  static async open(options: ChainWriterOptions): Promise<ChainWriter> {
    if (!(options.maxBytes > 0)) throw new RangeError('maxBytes must be positive');
    await mkdir(dirname(options.file), { recursive: true });
    const segments = await listLogSegments(options.file);
    const segment = segments.length === 0 ? 0 : segments[segments.length - 1]!.index;
    let nextSeq = 0;
    let hash = GENESIS_HASH;
    // The newest segment may be empty (a rotation just before a stop): the chain's head is then in an older one.
    for (let k = segments.length - 1; k >= 0; k--) {
      const last = await readLastLine(segments[k]!.path);
      if (last === null) continue;
      const parsed = parseRecordLine(last);
      if (!parsed.ok || !parsed.selfHashOk) {
        throw new AuditLogDamagedError(`the last record of ${segments[k]!.path} is ${parsed.ok ? 'altered' : `unreadable (${parsed.reason})`}; verify it and move it aside`);
      }
      nextSeq = parsed.record.seq + 1;
      hash = parsed.record.hash;
      break;
    }
    const path = segmentPath(options.file, segment);
    const handle = await open(path, 'a');
    const { size } = await handle.stat();
    return new ChainWriter(options, handle, segment, size, nextSeq, hash);
  }

  head(): ChainHead {
    return { nextSeq: this.nextSeq, hash: this.hash, segment: this.segment, path: segmentPath(this.options.file, this.segment) };
  }

  /** Chains and writes a batch; resolves once the OS has it (and the disk, with `fsync`). */
  async write(batch: AuditBatch): Promise<void> {
    if (this.failure !== null) throw this.failure;
    try {
      let used = 0;
      const n = batchLength(batch);
      for (let i = 0; i < n; i++) {
        const { line, hash } = encodeRecordLine(this.nextSeq, this.hash, recordAt(batch, i));
        const text = line + '\n';
        // UTF-8 takes at most 3 bytes per UTF-16 unit: make room for the worst case before encoding.
        if (used + 3 * text.length > this.pending.length) {
          await this.append(used);
          used = 0;
          if (3 * text.length > this.pending.length) this.pending = Buffer.allocUnsafe(3 * text.length);
        }
        const bytes = this.pending.write(text, used, 'utf8');
        if (this.size + used > 0 && this.size + used + bytes > this.options.maxBytes) {
          // This record would take the segment past maxBytes: what precedes it closes the segment.
          await this.append(used);
          await this.rotate();
          this.pending.copyWithin(0, used, used + bytes);
          used = 0;
        }
        used += bytes;
        this.nextSeq++;
        this.hash = hash;
      }
      if (used > 0) await this.append(used);
      if (this.options.fsync) await this.handle.datasync();
    } catch (error) {
      this.failure = error as Error;
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  /** Writes the first `length` pending bytes to the current segment. */
  private async append(length: number): Promise<void> {
    let offset = 0;
    while (offset < length) {
      const { bytesWritten } = await this.handle.write(this.pending, offset, length - offset);
      offset += bytesWritten;
    }
    this.size += length;
  }

  private async rotate(): Promise<void> {
    if (this.options.fsync) await this.handle.datasync();
    await this.handle.close();
    this.segment++;
    this.handle = await open(segmentPath(this.options.file, this.segment), 'a');
    this.size = (await this.handle.stat()).size;
  }
}
