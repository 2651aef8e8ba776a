// Which parts of `input` a compiled policy can read, carried in the wasm module as a custom
// section so that every holder of the module (workers get it by structured clone) knows it. The
// host may then send only those parts: a policy's answer depends on input only through the refs
// it evaluates, and each recorded path stands for the whole subtree below it, so the value of
// every ref is the same in the smaller document. Modules without the section (built by OPA, or
// by an older agentbus) get the whole input.
import { u32 } from './wasm-data.ts';
import { inputPathTree, treePaths, type InputPathTree } from './input-path-tree.ts';

export { inputPathTree, treePaths, type InputPathTree };

export const INPUT_PATHS_SECTION = 'agentbus.input_paths';

/** Appends the custom section recording `tree` to a wasm binary. */
export function addInputPathsSection(wasm: Uint8Array, tree: InputPathTree): Uint8Array {
  const name = new TextEncoder().encode(INPUT_PATHS_SECTION);
  const payload = new TextEncoder().encode(JSON.stringify({ version: 1, paths: treePaths(tree) }));
  const body = [...u32(name.length), ...name, ...payload];
  return Uint8Array.from([...wasm, 0, ...u32(body.length), ...body]);
}

/** The tree recorded in a module, or null when it has none (or one this version cannot read). */
export function readInputPaths(module: WebAssembly.Module): InputPathTree | null {
  const sections = WebAssembly.Module.customSections(module, INPUT_PATHS_SECTION);
  if (sections.length !== 1) return null;
  try {
    const parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(sections[0]!)) as { version?: unknown; paths?: unknown };
    if (parsed.version !== 1 || !Array.isArray(parsed.paths)) return null;
    const paths = parsed.paths as unknown[];
    if (!paths.every((p) => Array.isArray(p) && p.every((k) => typeof k === 'string'))) return null;
    return inputPathTree(paths as string[][]);
  } catch {
    return null;
  }
}
