import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { SolverWorkerData } from './solver-worker.ts';

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

/**
 * The worker entry: the compiled `workers/solver.js` in `dist/`; from source (tsx), a small `.mjs` shim that
 * loads `workers/solver.ts` with tsx's `tsImport`, because on Node 20 `--import tsx` in a worker's execArgv
 * does not make `.ts` files loadable in that worker.
 */
export function solverWorkerEntry(): string {
  const runningFromSource = import.meta.url.endsWith('.ts');
  const entry = runningFromSource ? new URL('./tsx-worker-shim.mjs', import.meta.url) : new URL('../../workers/solver.js', import.meta.url);
  return fileURLToPath(entry);
}

export function createSolverPool(options: SolverPoolOptions): Piscina {
  return new Piscina({
    filename: solverWorkerEntry(),
    minThreads: options.threads,
    maxThreads: options.threads,
    maxQueue: options.maxQueue,
    // Z3 holds ~30–90 MB per instance and takes 40–70 ms to rebuild; keep threads alive between bursts.
    idleTimeout: Number.POSITIVE_INFINITY,
    concurrentTasksPerWorker: 1,
    workerData: options.workerData,
  });
}
