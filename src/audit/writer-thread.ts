/**
 * The audit log's writer thread: chains, hashes and writes the batches the main thread posts, so that
 * serializing and hashing every record (a few µs each) never runs on the thread that embeds the bus.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { AuditBatch } from './batch.ts';
import { AuditLogDamagedError, ChainWriter, type ChainHead, type ChainWriterOptions } from './chain-writer.ts';

export type WriterRequest = { kind: 'write'; batch: AuditBatch } | { kind: 'close' };
export type WriterReply =
  | { kind: 'ready'; head: ChainHead }
  | { kind: 'written'; head: ChainHead }
  | { kind: 'failed'; message: string; damaged: boolean }
  | { kind: 'closed' };

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
