import { workerData } from 'piscina';
import { createSolverWorker, type SolverTask, type SolverWorkerData } from '../solver/solver-worker.ts';

/**
 * Piscina entry of the solver pool. Z3 is instantiated from the module the main thread compiled (workerData),
 * templates are built once; each task is a batch of synchronous checks. When the main thread aborts a task
 * (wall-clock budget), Piscina terminates this thread, which also ends any Z3 pthreads it started.
 */
const worker = await createSolverWorker(workerData as SolverWorkerData);

export default function solve(task: SolverTask): ReturnType<typeof worker.handle> {
  return worker.handle(task);
}
