// Loads the TypeScript writer thread (writer-thread.ts) through tsx inside a worker thread: on Node 20,
// `--import tsx` in a worker's execArgv does not make `.ts` loadable there, while tsx's scoped `tsImport`
// does. The compiled build loads writer-thread.js directly and skips this shim.
import { tsImport } from 'tsx/esm/api';

await tsImport('./writer-thread.ts', import.meta.url);
