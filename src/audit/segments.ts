import { readdir } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

/**
 * A log is a series of files ("segments"): the configured file is segment 0, and each rotation starts
 * `<stem>.<n><ext>` beside it (n from 000001, six digits or more), e.g. `audit.jsonl`, `audit.000001.jsonl`.
 * The segment number, not the file's age, orders the chain.
 */
export interface Segment {
  readonly path: string;
  readonly index: number;
}

export function segmentPath(base: string, index: number): string {
  if (index === 0) return base;
  const ext = extname(base);
  const stem = basename(base, ext);
  return join(dirname(base), `${stem}.${String(index).padStart(6, '0')}${ext}`);
}

const ROTATED = /^(.+)\.(\d{6,})$/;

/** Splits a file name into the log it belongs to (its segment-0 name) and its segment number. */
export function parseSegmentName(name: string): { log: string; index: number } {
  const ext = extname(name);
  const stem = basename(name, ext);
  const rotated = ROTATED.exec(stem);
  if (rotated === null) return { log: name, index: 0 };
  return { log: `${rotated[1]}${ext}`, index: Number(rotated[2]) };
}

/** The segments of the log whose segment 0 is `base`, in chain order (segment 0 may be absent). */
export async function listLogSegments(base: string): Promise<Segment[]> {
  const logName = basename(base);
  const dir = dirname(base);
  const names = await readdir(dir);
  const segments: Segment[] = [];
  for (const name of names) {
    const parsed = parseSegmentName(name);
    if (parsed.log === logName) segments.push({ path: join(dir, name), index: parsed.index });
  }
  return segments.sort((a, b) => a.index - b.index);
}

/** Every log in a directory (files ending `.jsonl`), each as its segments in chain order, logs by name. */
export async function listLogsInDirectory(dir: string): Promise<Map<string, Segment[]>> {
  const names = await readdir(dir);
  const logs = new Map<string, Segment[]>();
  for (const name of names.sort()) {
    if (!name.endsWith('.jsonl')) continue;
    const parsed = parseSegmentName(name);
    let segments = logs.get(parsed.log);
    if (segments === undefined) logs.set(parsed.log, (segments = []));
    segments.push({ path: join(dir, name), index: parsed.index });
  }
  for (const segments of logs.values()) segments.sort((a, b) => a.index - b.index);
  return logs;
}
