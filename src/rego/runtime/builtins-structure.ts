// Built-ins over the structure of values (OPA's topdown/subset.go, sets.go, array.go, walk.go,
// types.go), natively: each must tell sets from arrays, which values crossing to the host as JSON
// cannot. Type errors give undefined (0), as OPA does outside strict mode.
import { alloc, abortWith } from "./heap";
import {
  T_NULL, T_BOOL, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, tagOf, collLen, arrAt,
  objKey, objVal, mkString, mkColl, mkNumber, mkBool, arrPush,
} from "./value";
import { compare, objGet, objPut, setAdd, setHas } from "./compare";

/** A constant ASCII name as a string value. */
function asciiValue(s: string): usize {
  const n = <u32>s.length;
  const p = alloc(<usize>n);
  for (let i: u32 = 0; i < n; i++) store<u8>(p + i, <u8>s.charCodeAt(<i32>i));
  return mkString(p, n);
}

export function rt_bi_type_name(v: usize): usize {
  if (v == 0) return 0;
  switch (tagOf(v)) {
    case T_NULL: return asciiValue("null");
    case T_BOOL: return asciiValue("boolean");
    case T_NUMBER: return asciiValue("number");
    case T_STRING: return asciiValue("string");
    case T_ARRAY: return asciiValue("array");
    case T_OBJECT: return asciiValue("object");
    case T_SET: return asciiValue("set");
  }
  return 0;
}

// ---- object.subset --------------------------------------------------------------------------

function objectSubset(sup: usize, sub: usize): bool {
  for (let i: u32 = 0; i < collLen(sub); i++) {
    const superValue = objGet(sup, objKey(sub, i));
    if (superValue == 0) return false;
    const subValue = objVal(sub, i);
    if (compare(superValue, subValue) == 0) continue;
    const ts = tagOf(superValue);
    if (ts != tagOf(subValue)) return false;
    if (ts == T_OBJECT) { if (!objectSubset(superValue, subValue)) return false; continue; }
    if (ts == T_SET) { if (!setSubset(superValue, subValue)) return false; continue; }
    if (ts == T_ARRAY) { if (!arraySubset(superValue, subValue)) return false; continue; }
    return false;
  }
  return true;
}

function setSubset(sup: usize, sub: usize): bool {
  for (let i: u32 = 0; i < collLen(sub); i++) if (!setHas(sup, arrAt(sub, i))) return false;
  return true;
}

/** The whole of `sub` appears contiguously in `sup`. */
function arraySubset(sup: usize, sub: usize): bool {
  const n = collLen(sup); const m = collLen(sub);
  if (m > n) return false;
  for (let start: u32 = 0; start + m <= n; start++) {
    let j: u32 = 0;
    while (j < m && compare(arrAt(sup, start + j), arrAt(sub, j)) == 0) j++;
    if (j == m) return true;
  }
  return false;
}

/**
 * Every member of the set occurs in the array. As OPA counts it: each array element found in the
 * set counts once per occurrence, and the answer is true once the count reaches the set's size
 * while scanning (so an empty set is a subset only of a non-empty array).
 */
function arraySetSubset(sup: usize, sub: usize): bool {
  let unmatched = <i32>collLen(sub);
  for (let i: u32 = 0; i < collLen(sup); i++) {
    if (setHas(sub, arrAt(sup, i))) unmatched--;
    if (unmatched == 0) return true;
  }
  return false;
}

export function rt_bi_object_subset(sup: usize, sub: usize): usize {
  if (sup == 0 || sub == 0) return 0;
  const a = tagOf(sup); const b = tagOf(sub);
  if (a == T_OBJECT && b == T_OBJECT) return mkBool(objectSubset(sup, sub));
  if (a == T_SET && b == T_SET) return mkBool(setSubset(sup, sub));
  if (a == T_ARRAY && b == T_ARRAY) return mkBool(arraySubset(sup, sub));
  if (a == T_ARRAY && b == T_SET) return mkBool(arraySetSubset(sup, sub));
  return 0;
}

// ---- union / intersection of a set of sets ---------------------------------------------------

function allSets(s: usize): bool {
  if (s == 0 || tagOf(s) != T_SET) return false;
  for (let i: u32 = 0; i < collLen(s); i++) if (tagOf(arrAt(s, i)) != T_SET) return false;
  return true;
}

export function rt_bi_union(s: usize): usize {
  if (!allSets(s)) return 0;
  const r = mkColl(T_SET, 4);
  for (let i: u32 = 0; i < collLen(s); i++) {
    const member = arrAt(s, i);
    for (let j: u32 = 0; j < collLen(member); j++) setAdd(r, arrAt(member, j));
  }
  return r;
}

export function rt_bi_intersection(s: usize): usize {
  if (!allSets(s)) return 0;
  const r = mkColl(T_SET, 4);
  if (collLen(s) == 0) return r;
  const first = arrAt(s, 0);
  for (let j: u32 = 0; j < collLen(first); j++) {
    const x = arrAt(first, j);
    let everywhere = true;
    for (let i: u32 = 1; i < collLen(s) && everywhere; i++) everywhere = setHas(arrAt(s, i), x);
    if (everywhere) setAdd(r, x);
  }
  return r;
}

// ---- array.flatten ---------------------------------------------------------------------------

/** One level: array elements are spliced in, other elements kept. */
export function rt_bi_array_flatten(a: usize): usize {
  if (a == 0 || tagOf(a) != T_ARRAY) return 0;
  const r = mkColl(T_ARRAY, collLen(a));
  for (let i: u32 = 0; i < collLen(a); i++) {
    const x = arrAt(a, i);
    if (tagOf(x) == T_ARRAY) { for (let j: u32 = 0; j < collLen(x); j++) arrPush(r, arrAt(x, j)); }
    else arrPush(r, x);
  }
  return r;
}

// ---- walk ------------------------------------------------------------------------------------

/** Deeper than any value a policy handles; a cyclic value cannot exist (values are immutable). */
const WALK_DEPTH_LIMIT: i32 = 10000;

function walkInto(out: usize, path: usize, v: usize, depth: i32): void {
  if (depth > WALK_DEPTH_LIMIT) abortWith("agentbus runtime: walk deeper than 10000 levels");
  const pair = mkColl(T_ARRAY, 2);
  arrPush(pair, path); arrPush(pair, v);
  arrPush(out, pair);
  const t = tagOf(v);
  if (t != T_ARRAY && t != T_OBJECT && t != T_SET) return;
  for (let i: u32 = 0; i < collLen(v); i++) {
    const key = t == T_ARRAY ? mkNumber(<f64>i) : t == T_OBJECT ? objKey(v, i) : arrAt(v, i);
    const child = t == T_OBJECT ? objVal(v, i) : arrAt(v, i);
    const childPath = mkColl(T_ARRAY, collLen(path) + 1);
    for (let j: u32 = 0; j < collLen(path); j++) arrPush(childPath, arrAt(path, j));
    arrPush(childPath, key);
    walkInto(out, childPath, child, depth + 1);
  }
}

/**
 * Every [path, value] pair of `walk(x, [path, value])`, pre-order: the planner iterates the
 * array this returns (OPA's walk is a relation).
 */
export function rt_bi_walk(v: usize): usize {
  if (v == 0) return 0;
  const out = mkColl(T_ARRAY, 8);
  walkInto(out, mkColl(T_ARRAY, 0), v, 0);
  return out;
}

// ---- guard for host built-ins ----------------------------------------------------------------

function containsSet(v: usize, depth: i32): bool {
  if (depth > WALK_DEPTH_LIMIT) return true;
  const t = tagOf(v);
  if (t == T_SET) return true;
  if (t == T_ARRAY) { for (let i: u32 = 0; i < collLen(v); i++) if (containsSet(arrAt(v, i), depth + 1)) return true; }
  if (t == T_OBJECT) { for (let i: u32 = 0; i < collLen(v); i++) if (containsSet(objVal(v, i), depth + 1)) return true; }
  return false;
}

/**
 * Values reach host built-ins as JSON, where a set becomes an array: a built-in that copies its
 * operand's structure into its result (json.remove, object.union, …) would then answer with an
 * array where OPA answers with a set. A set below the top level is refused, not converted.
 */
export function rt_host_nested_set_guard(v: usize): usize {
  if (v == 0) return 0;
  const t = tagOf(v);
  if (t == T_ARRAY || t == T_SET) { for (let i: u32 = 0; i < collLen(v); i++) if (containsSet(arrAt(v, i), 1)) refuse(); }
  else if (t == T_OBJECT) { for (let i: u32 = 0; i < collLen(v); i++) if (containsSet(objVal(v, i), 1)) refuse(); }
  return v;
}
function refuse(): void {
  abortWith("agentbus runtime: a set inside the operand of a host built-in is not supported (sets reach the host as arrays)");
}

// ---- `with` ----------------------------------------------------------------------------------

/**
 * `base` with the value at `path` (an array of keys) replaced by `v`, for `with input.a.b as v`
 * and `with data.x as v`: objects along the path are copied (values are shared, never changed),
 * and a missing or non-object step becomes an object, as OPA upserts.
 */
export function rt_with_path(base: usize, path: usize, v: usize): usize {
  return withPathFrom(base, path, 0, v);
}
function withPathFrom(base: usize, path: usize, i: u32, v: usize): usize {
  if (i >= collLen(path)) return v;
  const key = arrAt(path, i);
  const isObj = base != 0 && tagOf(base) == T_OBJECT;
  const n: u32 = isObj ? collLen(base) : 0;
  const r = mkColl(T_OBJECT, n + 1);
  let replaced = false;
  for (let j: u32 = 0; j < n; j++) {
    const k = objKey(base, j);
    if (compare(k, key) == 0) { objPut(r, k, withPathFrom(objVal(base, j), path, i + 1, v)); replaced = true; }
    else objPut(r, k, objVal(base, j));
  }
  if (!replaced) objPut(r, key, withPathFrom(0, path, i + 1, v));
  return r;
}
