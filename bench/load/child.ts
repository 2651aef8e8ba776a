import { fork } from 'node:child_process';
import { compiledModule } from '../compiled.ts';
import type { LoadResult } from './result.ts';
import type { TrialMessage, TrialSpec } from './trial.ts';

/** What a trial's process runs: the compiled trial, with no loader (../compiled.ts). */
export function trialProcess(extraNodeArgs: readonly string[] = []): { entry: string; execArgv: string[] } {
  return { entry: compiledModule(new URL('./trial.ts', import.meta.url)), execArgv: [...extraNodeArgs] };
}

/**
 * Runs a trial in a fresh Node process. Each peer gets its own heap, JIT state and RSS: run in one process,
 * the second peer inherits the first one's garbage and its peak RSS, and its figures depend on the order.
 * A process costs ~0.4 s to start, small against seconds of measurement. The process runs the checkout
 * compiled to JavaScript, as users run the installed package (see ../compiled.ts).
 */
export function runTrialInChild(spec: TrialSpec, onProgress: (load: number, elapsedS: number, settled: number) => void, extraNodeArgs: readonly string[] = []): Promise<LoadResult[]> {
  const { entry, execArgv } = trialProcess(extraNodeArgs);
  const child = fork(entry, [JSON.stringify(spec)], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  // A trial that hangs must not hang the bench: allow three times its planned length, plus start-up.
  const plannedS = spec.loads.length * (spec.warmupS + spec.durationS + 5) + 30;
  const watchdog = setTimeout(() => child.kill('SIGKILL'), plannedS * 3 * 1000).unref();
  const results: LoadResult[] = [];
  let failure: string | null = null;
  return new Promise((resolve, reject) => {
    child.on('message', (message: TrialMessage) => {
      if (message.type === 'progress') onProgress(message.load, message.elapsedS, message.settled);
      else if (message.type === 'result') results[message.load] = message.result;
      else if (message.type === 'error') failure = message.message;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      if (failure !== null) reject(new Error(`${spec.peer} trial failed:\n${failure}`));
      else if (results.length !== spec.loads.length || results.includes(undefined as never)) {
        reject(new Error(`${spec.peer} trial exited (code ${code}, signal ${signal}) after ${results.length} of ${spec.loads.length} loads`));
      } else resolve(results);
    });
  });
}
