import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AuditBatch } from './batch.ts';
import { AuditLogDamagedError, ChainWriter, type ChainHead, type ChainWriterOptions } from './chain-writer.ts';
import type { WriterReply, WriterRequest } from './writer-thread.ts';

/** Where batches go: a ChainWriter on this thread, or one on the log's own thread. One write at a time. */
export interface ChainSink {
  readonly initialHead: ChainHead;
  /** Resolves with the chain's head once the batch is written. */
  write(batch: AuditBatch): Promise<ChainHead>;
  close(): Promise<void>;
}

/** The writer on the calling thread (tests, tiny volumes): serializing and hashing cost this thread. */
export async function openInlineSink(options: ChainWriterOptions): Promise<ChainSink> {
  const writer = await ChainWriter.open(options);
  return {
    initialHead: writer.head(),
    write: async (batch) => {
      await writer.write(batch);
      return writer.head();
    },
    close: () => writer.close(),
  };
}

function writerThreadEntry(): string {
  const runningFromSource = import.meta.url.endsWith('.ts');
  return fileURLToPath(new URL(runningFromSource ? './writer-thread-shim.mjs' : './writer-thread.js', import.meta.url));
}

/**
 * The writer on its own thread. The thread is referenced only while a write or the close is outstanding,
 * so an idle audit log never keeps the process alive, and a pending write always finishes.
 */
export async function openThreadSink(options: ChainWriterOptions): Promise<ChainSink> {
  const worker = new Worker(writerThreadEntry(), { workerData: options });
  let pending: { resolve: (reply: WriterReply) => void; reject: (error: Error) => void } | null = null;
  let dead: Error | null = null;
  const settle = (outcome: WriterReply | Error): void => {
    const waiting = pending;
    pending = null;
    worker.unref();
    if (waiting === null) return;
    if (outcome instanceof Error) waiting.reject(outcome);
    else waiting.resolve(outcome);
  };
  const request = (message: WriterRequest | null): Promise<WriterReply> => {
    if (dead !== null) return Promise.reject(dead);
    if (pending !== null) return Promise.reject(new Error('audit writer: one request at a time'));
    worker.ref();
    const reply = new Promise<WriterReply>((resolve, reject) => {
      pending = { resolve, reject };
    });
    if (message !== null) worker.postMessage(message);
    return reply;
  };
  worker.on('message', (reply: WriterReply) => settle(reply));
  worker.on('error', (error) => {
    dead = error;
    settle(error);
  });
  worker.on('exit', (code) => {
    dead ??= new Error(`audit writer thread exited (code ${code})`);
    settle(dead);
  });

  const toError = (reply: WriterReply & { kind: 'failed' }): Error => (reply.damaged ? new AuditLogDamagedError(reply.message) : new Error(reply.message));
  const ready = await request(null);
  if (ready.kind !== 'ready') {
    await worker.terminate();
    throw ready.kind === 'failed' ? toError(ready) : new Error(`audit writer: unexpected '${ready.kind}' at start`);
  }
  return {
    initialHead: ready.head,
    write: async (batch) => {
      const reply = await request({ kind: 'write', batch });
      if (reply.kind === 'written') return reply.head;
      throw reply.kind === 'failed' ? toError(reply) : new Error(`audit writer: unexpected '${reply.kind}'`);
    },
    close: async () => {
      if (dead !== null) return;
      const reply = await request({ kind: 'close' });
      if (reply.kind !== 'closed') throw reply.kind === 'failed' ? toError(reply) : new Error(`audit writer: unexpected '${reply.kind}'`);
      // The file is closed; stopping the thread now cannot lose anything.
      await worker.terminate();
    },
  };
}
