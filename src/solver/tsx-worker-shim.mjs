// Loads the TypeScript solver worker (workers/solver.ts) through tsx inside a Piscina worker thread.
// On Node 20, `--import tsx` in a worker's execArgv does not make `.ts` loadable there, while tsx's
// scoped `tsImport` does; the compiled build (dist/) loads workers/solver.js directly and skips this shim.
import { tsImport } from 'tsx/esm/api';

const worker = await tsImport('../../workers/solver.ts', import.meta.url);

export default worker.default;
