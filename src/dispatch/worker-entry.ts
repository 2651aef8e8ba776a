import { fileURLToPath } from 'node:url';
import { workerAcceptedExecArgv } from './worker-exec-argv.ts';

/**
 * Where a worker entry point lives, and what its thread needs to run it. In development the sources are
 * TypeScript run through tsx, so the thread gets tsx's loader (by absolute URL, so it resolves from any
 * working directory); the built package runs the compiled `.js` directly.
 */
export function workerEntry(name: string): { filename: string; execArgv: string[] } {
  const runningFromSource = import.meta.url.endsWith('.ts');
  const url = new URL(`../../workers/${name}.${runningFromSource ? 'ts' : 'js'}`, import.meta.url);
  // Only the host's flags a worker accepts: `node --max-old-space-size=4096 app.js` must still start the bus.
  const execArgv = workerAcceptedExecArgv();
  if (runningFromSource && !execArgv.some((arg) => arg.includes('tsx'))) {
    execArgv.push('--import', import.meta.resolve('tsx'));
  }
  return { filename: fileURLToPath(url), execArgv };
}
