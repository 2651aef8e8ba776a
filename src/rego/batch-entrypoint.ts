// Batch twins. Every entrypoint `p` of a module this compiler builds has a twin `p#batch` (id: p's id +
// the number of entrypoints) whose input is an array: it evaluates `p` once per element and answers the
// array of rows, `{"result": v}` or `{}` where `p` is undefined (rt_eval_each in runtime/abi.ts). One
// SDK call then decides many inputs: one copy in, one entry into wasm, one JSON.parse out, which is
// most of what a single decision costs. Modules built by real OPA have no twins; hosts fall back to one
// call per input. Twins are plumbing, not rules: user-facing entrypoint lists leave them out.
const BATCH_SUFFIX = '#batch';

export const batchEntrypoint = (path: string): string => path + BATCH_SUFFIX;

export const isBatchEntrypoint = (name: string): boolean => name.endsWith(BATCH_SUFFIX);
