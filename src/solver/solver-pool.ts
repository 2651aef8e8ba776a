import { Piscina } from 'piscina';
import type { SolverWorkerData } from './solver-worker.ts';
import { workerEntry } from '../workers/entry.ts';

/**
 * The solver's own Piscina pool, separate from validation so Z3 can never starve policy checks.
 * Default one thread: on 2 cores a second solver thread competes with the validators.
 */

export interface SolverPoolOptions {
  readonly threads: number;
  /** Tasks waiting for a thread before `run` rejects (the caller then denies: fail closed). */
  readonly maxQueue: number;
  readonly workerData: SolverWorkerData;
}

export function createSolverPool(options: SolverPoolOptions): Piscina {
  const { filename, execArgv, workerData } = workerEntry('solver');
  return new Piscina({
    filename,
    execArgv,
    minThreads: options.threads,
    maxThreads: options.threads,
    maxQueue: options.maxQueue,
    // Z3 holds ~30–90 MB per instance and takes 40–70 ms to rebuild; keep threads alive between bursts.
    idleTimeout: Number.POSITIVE_INFINITY,
    concurrentTasksPerWorker: 1,
    workerData: { ...options.workerData, ...workerData },
  });
}
