// Which parts of `input` a compiled policy can read, carried in the wasm module as a custom
// section so that every holder of the module (workers get it by structured clone) knows it. The
// host may then send only those parts: a policy's answer depends on input only through the refs
// it evaluates, and each recorded path stands for the whole subtree below it, so the value of
// every ref is the same in the smaller document. Modules without the section (built by OPA, or
// by an older agentbus) get the whole input.
import { u32 } from './wasm-data.ts';

export const INPUT_PATHS_SECTION = 'agentbus.input_paths';

/** true: the whole subtree is read; a map: only these keys (each with its own tree). */
export type InputPathTree = true | ReadonlyMap<string, InputPathTree>;

/** The smallest tree covering the paths (each a list of object keys under `input`). */
export function inputPathTree(paths: readonly (readonly string[])[]): InputPathTree {
  let root: InputPathTree | Map<string, InputPathTree> = new Map();
  for (const path of paths) {
    if (path.length === 0) return true;
    let node: Map<string, InputPathTree> = root as Map<string, InputPathTree>;
    for (let i = 0; i < path.length; i++) {
      const key = path[i]!;
      const child = node.get(key);
      if (child === true) break;
      if (i === path.length - 1) { node.set(key, true); break; }
      if (child === undefined) { const next = new Map<string, InputPathTree>(); node.set(key, next); node = next; }
      else node = child as Map<string, InputPathTree>;
    }
  }
  return root;
}

/** The tree's paths, leaves only, sorted: the section's content. */
export function treePaths(tree: InputPathTree, prefix: readonly string[] = []): string[][] {
  if (tree === true) return [[...prefix]];
  return [...tree.keys()].sort().flatMap((k) => treePaths(tree.get(k)!, [...prefix, k]));
}

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
