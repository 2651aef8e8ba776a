import { Worker, type WorkerOptions } from 'node:worker_threads';

/** A worker thread running a TypeScript file (a .mjs bootstrap registers tsx in the thread first). */
export function tsWorker(url: URL, options: WorkerOptions & { workerData?: Record<string, unknown> } = {}): Worker {
  return new Worker(new URL('./ts-bootstrap.mjs', import.meta.url), {
    ...options,
    workerData: { ...(options.workerData ?? {}), tsEntry: url.href },
  });
}
