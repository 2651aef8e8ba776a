/**
 * The audit log's writer thread: chains, hashes and writes the batches the main thread posts, so that
 * serializing and hashing every record (a few µs each) never runs on the thread that embeds the bus.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { AuditBatch } from './batch.ts';
import { AuditLogDamagedError, ChainWriter, type ChainHead, type ChainWriterOptions } from './chain-writer.ts';

export type WriterRequest = { kind: 'write'; batch: AuditBatch } | { kind: 'close' };
export type WriterReply =
  | { kind: 'ready'; head: ChainHead }
  | { kind: 'written'; head: ChainHead }
  | { kind: 'failed'; message: string; damaged: boolean }
  | { kind: 'closed' };

/**
 * The writer's niceness. Its work is never urgent (records wait in a queue bounded by backpressure), so it
 * yields the CPU to the threads that judge and deliver messages and runs in their gaps (at full load on
 * 2 cores, ~20% more audited msgs/s: ARCHITECTURE.md); if the gaps are too few, the queue fills and
 * admission waits for the writer, so nothing is lost.
 */
const WRITER_NICENESS = 10;

/** Linux only (a thread's own id comes from /proc/thread-self); elsewhere the writer keeps the process's priority. */
function yieldToTheBus(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isSafeInteger(tid) && tid > 0) setPriority(tid, WRITER_NICENESS);
  } catch {
    // No /proc, or not allowed: the writer runs at the process's priority.
  }
}
yieldToTheBus();

const port = parentPort!;
const post = (reply: WriterReply): void => port.postMessage(reply);
const failed = (error: unknown): WriterReply => ({ kind: 'failed', message: (error as Error)?.message ?? String(error), damaged: error instanceof AuditLogDamagedError });

let writer: ChainWriter | null = null;
// Requests are handled one after another, in order: the chain is a sequence.
let queue: Promise<void> = ChainWriter.open(workerData as ChainWriterOptions).then(
  (opened) => {
    writer = opened;
    post({ kind: 'ready', head: opened.head() });
  },
  (error: unknown) => post(failed(error)),
);

port.on('message', (request: WriterRequest) => {
  queue = queue.then(async () => {
    if (writer === null) return;
    if (request.kind === 'close') {
      await writer.close();
      writer = null;
      post({ kind: 'closed' });
      port.close();
      return;
    }
    try {
      await writer.write(request.batch);
      post({ kind: 'written', head: writer.head() });
    } catch (error) {
      post(failed(error));
    }
  });
});
