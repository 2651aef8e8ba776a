// The parts of `input` a policy reads, as a tree of object keys: what the planner records (IR) and
// what input-paths.ts carries in the module. Pure data, no wasm helpers, so the IR can name it.

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
