// From source only: loads the TypeScript worker entry named by workerData.entry (see entry.ts) through tsx's
// scoped tsImport, and re-exports its default export for Piscina. The built package never loads this file.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

const { entry } = workerData ?? {};
if (entry !== 'validator' && entry !== 'solver') throw new Error(`tsx-shim: unknown worker entry ${JSON.stringify(entry)}`);
const worker = await tsImport(`./${entry}.ts`, import.meta.url);

export default worker.default;
