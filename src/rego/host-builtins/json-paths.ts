// json.remove and json.filter (OPA's topdown/json.go): the paths become a tree whose leaves are
// null, and the object is walked against it. Values cross as JSON, so a set of paths arrives as
// an array (the planner refuses sets nested inside the object: rt_host_nested_set_guard).
import { BuiltinError, type HostBuiltinTable } from './registry.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * A node of the path tree: children keyed by the JSON text of the segment (so the string "0" and
 * the number 0, different keys in OPA, stay apart); `null` marks a leaf.
 */
type PathTree = Map<string, PathTree | null>;

const isObject = (v: unknown): v is { [key: string]: Json } => v !== null && typeof v === 'object' && !Array.isArray(v);
const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function segments(name: string, path: unknown): unknown[] {
  if (typeof path === 'string') {
    if (path === '') return [];
    return path.replace(/^\/+/, '').split('/').map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
  }
  if (Array.isArray(path)) return path;
  throw new BuiltinError(name, `operand 2 must be one of {set, array} containing string paths or array of path segments but got ${typeName(path)}`);
}

function pathTree(name: string, paths: unknown): PathTree {
  if (!Array.isArray(paths)) throw new BuiltinError(name, `operand 2 must be one of {set, array} but got ${typeName(paths)}`);
  const root: PathTree = new Map();
  for (const path of paths) {
    const segs = segments(name, path).map((s) => JSON.stringify(s));
    if (segs.length === 0) continue;
    let node = root;
    let done = false;
    for (const seg of segs.slice(0, -1)) {
      const child = node.get(seg);
      if (child === undefined) { const next: PathTree = new Map(); node.set(seg, next); node = next; continue; }
      if (child === null) { done = true; break; }
      node = child;
    }
    if (!done) node.set(segs[segs.length - 1]!, null);
  }
  return root;
}

const objectKey = (k: string): string => JSON.stringify(k);
const indexKey = (i: number): string => JSON.stringify(String(i));

/** `a` without the leaves of `tree`; undefined when `a` itself is removed. */
function remove(a: Json, tree: PathTree | null | undefined): Json | undefined {
  if (tree === undefined) return a;
  if (tree === null) return undefined;
  if (Array.isArray(a)) {
    const out: Json[] = [];
    a.forEach((v, i) => { const kept = remove(v, tree.get(indexKey(i))); if (kept !== undefined) out.push(kept); });
    return out;
  }
  if (isObject(a)) {
    const entries: [string, Json][] = [];
    for (const [k, v] of Object.entries(a)) { const kept = remove(v, tree.get(objectKey(k))); if (kept !== undefined) entries.push([k, kept]); }
    return Object.fromEntries(entries);
  }
  return a;
}

/** Only the parts of `a` that `tree` names. */
function filter(a: Json, tree: PathTree | null): Json {
  if (tree === null) return a;
  if (Array.isArray(a)) {
    const out: Json[] = [];
    a.forEach((v, i) => { const sub = tree.get(indexKey(i)); if (sub !== undefined) out.push(filter(v, sub)); });
    return out;
  }
  if (isObject(a)) {
    const entries: [string, Json][] = [];
    for (const [seg, sub] of tree) {
      const key = JSON.parse(seg) as unknown;
      if (typeof key === 'string' && Object.hasOwn(a, key)) entries.push([key, filter(a[key]!, sub)]);
    }
    return Object.fromEntries(entries);
  }
  return a;
}

function object(name: string, v: unknown): { [key: string]: Json } {
  if (!isObject(v)) throw new BuiltinError(name, `operand 1 must be object but got ${typeName(v)}`);
  return v;
}

export const JSON_PATH_BUILTINS: HostBuiltinTable = {
  'json.remove': {
    arity: 2,
    guardNestedSets: true,
    impl: (o: unknown, paths: unknown) => remove(object('json.remove', o), pathTree('json.remove', paths)) ?? null,
  },
  'json.filter': {
    arity: 2,
    guardNestedSets: true,
    impl: (o: unknown, paths: unknown) => filter(object('json.filter', o), pathTree('json.filter', paths)),
  },
};
