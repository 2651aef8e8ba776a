import { fileURLToPath } from 'node:url';
import { workerAcceptedExecArgv } from './exec-argv.ts';

/** The thread entry files of this folder: each is the default export a Piscina pool runs. */
export type WorkerName = 'validator' | 'solver';

/** What a pool needs to start threads running one entry file. */
export interface WorkerEntry {
  readonly filename: string;
  readonly execArgv: string[];
  /** Pass as (part of) the pool's workerData: from source, the shim reads `entry` to know what to load. */
  readonly workerData: { readonly entry: WorkerName };
}

/**
 * The one way a worker thread is started. The built package runs `dist/src/workers/<name>.js` directly. From
 * source (tsx), every pool starts `tsx-shim.mjs`, which loads `<name>.ts` through tsx's `tsImport`: on Node 20,
 * `--import tsx` in a worker's execArgv does not reliably make `.ts` loadable in that thread, a scoped
 * `tsImport` does. The entry's name travels in workerData, so one shim serves every pool.
 */
export function workerEntry(name: WorkerName): WorkerEntry {
  const runningFromSource = import.meta.url.endsWith('.ts');
  const url = runningFromSource ? new URL('./tsx-shim.mjs', import.meta.url) : new URL(`./${name}.js`, import.meta.url);
  // Only the host's flags a worker accepts: `node --max-old-space-size=4096 app.js` must still start the bus.
  return { filename: fileURLToPath(url), execArgv: workerAcceptedExecArgv(), workerData: { entry: name } };
}
