import { Piscina } from 'piscina';
import type { Worker } from 'node:worker_threads';
import { workerEntry } from '../workers/entry.ts';

/**
 * Piscina owns the validation threads: their start, their replacement when one dies, and shutdown. Each
 * thread runs one long-lived task, the ring loop, for its whole life; per-message traffic never goes
 * through `run()` (it costs 20–66 µs a call here, the rings cost well under 1 µs).
 */
export class ValidatorPool {
  private readonly piscina: Piscina;

  constructor(threads: number, onError: (error: unknown) => void = () => {}) {
    const { filename, execArgv, workerData } = workerEntry('validator');
    this.piscina = new Piscina({
      filename,
      execArgv,
      workerData,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      concurrentTasksPerWorker: 1,
      // The ring loop parks with Atomics.wait itself; Piscina's own atomics wake-ups would only compete.
      atomics: 'disabled',
      maxQueue: threads * 4,
    });
    // A thread that dies outside a task (while being replaced, or during destroy) is an 'error' event on the
    // pool; unhandled, it would exit the host process. The loop task's own rejection already drives recovery.
    this.piscina.on('error', onError);
  }

  /** Listeners for the pool's 'error' event (tests check one is always there). */
  get errorListeners(): number {
    return this.piscina.listenerCount('error');
  }

  /** Runs one ring loop; settles when the loop stops (STOP record) or rejects when its thread dies. */
  runLoop<T>(init: T, transferList: Transferable[] = []): Promise<unknown> {
    return this.piscina.run(init, { transferList: transferList as never });
  }

  /** The live threads (tests use this to kill one mid-batch). */
  get threads(): readonly Worker[] {
    return this.piscina.threads;
  }

  async destroy(): Promise<void> {
    await this.piscina.destroy();
  }
}
