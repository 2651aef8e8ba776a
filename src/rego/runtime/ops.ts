// Helpers the generated policy code calls (exported as rt_*; the linker calls them by
// their internal names and then removes the exports). 0 always means "undefined".
import { alloc, abortPtr } from "./heap";
import {
  T_NULL, T_BOOL, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, tagOf, boolOf, numOf, numRaw,
  collLen, arrAt, objKey, objVal, mkNumber, mkBool, mkColl, arrPush, mkNull, strLen, strPtr,
} from "./value";
import { compare, bytesEqual, objGet, objPut, setAdd, setHas, search } from "./compare";

// ---- per-evaluation rule memo ----
let memoBase: usize = 0;
export function rt_memo_init(n: i32): void {
  memoBase = alloc(<usize>(n << 2) + 4);
  memory.fill(memoBase, 0, <usize>(n << 2) + 4);
}
export function rt_memo_get(i: i32): usize { return <usize>load<u32>(memoBase + (<usize>i << 2)); }
export function rt_memo_set(i: i32, v: usize): void { store<u32>(memoBase + (<usize>i << 2), <u32>v); }

export function rt_abort(msg: usize): void { abortPtr(msg); }

// ---- constructors ----
export function rt_array(cap: i32): usize { return mkColl(T_ARRAY, <u32>cap); }
export function rt_object(cap: i32): usize { return mkColl(T_OBJECT, <u32>cap); }
export function rt_set(cap: i32): usize { return mkColl(T_SET, <u32>cap); }
export function rt_array_push(a: usize, v: usize): void { arrPush(a, v); }
export function rt_set_add(s: usize, v: usize): void { setAdd(s, v); }
export function rt_object_put(o: usize, k: usize, v: usize): void { objPut(o, k, v); }
/** Partial object insert: 0 ok, 1 when the key already holds a different value (conflict). */
export function rt_object_put_once(o: usize, k: usize, v: usize): i32 {
  const prev = objGet(o, k);
  if (prev != 0) return compare(prev, v) == 0 ? 0 : 1;
  objPut(o, k, v);
  return 0;
}
export function rt_bool(b: i32): usize { return mkBool(b != 0); }
export function rt_number(f: f64): usize { return mkNumber(f); }

// ---- access ----
export function rt_get(c: usize, k: usize): usize {
  if (c == 0 || k == 0) return 0;
  const t = tagOf(c);
  if (t == T_OBJECT) return objGet(c, k);
  if (t == T_ARRAY) {
    if (tagOf(k) != T_NUMBER) return 0;
    const f = numOf(k);
    if (f != Math.floor(f) || f < 0 || f >= <f64>collLen(c)) return 0;
    return arrAt(c, <u32>f);
  }
  if (t == T_SET) return setHas(c, k) ? k : 0;
  return 0;
}
/**
 * rt_get for a constant string key at one site of the generated code. `hint` is that site's own
 * cell (in the policy's static data) holding the index where the key was found last time: input
 * documents of one shape keep their keys in the same places, so usually one comparison replaces
 * the binary search. Only an equal key at that index is accepted, so a stale hint costs a search.
 */
export function rt_get_hinted(c: usize, k: usize, hint: usize): usize {
  if (c == 0 || tagOf(c) != T_OBJECT) return rt_get(c, k);
  const i = load<u32>(hint);
  if (i < collLen(c)) {
    const key = objKey(c, i);
    if (key == k || (tagOf(key) == T_STRING && strLen(key) == strLen(k) && bytesEqual(strPtr(key), strPtr(k), strLen(k)))) return objVal(c, i);
  }
  const at = search(c, k, 8);
  if (at < 0) return 0;
  store<u32>(hint, <u32>at);
  return objVal(c, <u32>at);
}
/** Number of iterable items, or -1 when c is not a collection (scans over it do nothing). */
export function rt_len(c: usize): i32 {
  if (c == 0) return -1;
  const t = tagOf(c);
  if (t == T_ARRAY || t == T_SET || t == T_OBJECT) return <i32>collLen(c);
  return -1;
}
export function rt_iter_key(c: usize, i: i32): usize {
  const t = tagOf(c);
  if (t == T_ARRAY) return mkNumber(<f64>i);
  if (t == T_OBJECT) return objKey(c, <u32>i);
  return arrAt(c, <u32>i);
}
export function rt_iter_value(c: usize, i: i32): usize {
  if (tagOf(c) == T_OBJECT) return objVal(c, <u32>i);
  return arrAt(c, <u32>i);
}
/** Membership for `x in c` (values of arrays/objects, elements of sets). */
export function rt_member(x: usize, c: usize): i32 {
  if (x == 0 || c == 0) return 0;
  const t = tagOf(c);
  if (t == T_SET) return setHas(c, x) ? 1 : 0;
  if (t == T_ARRAY) { for (let i: u32 = 0; i < collLen(c); i++) if (compare(arrAt(c, i), x) == 0) return 1; return 0; }
  if (t == T_OBJECT) { for (let i: u32 = 0; i < collLen(c); i++) if (compare(objVal(c, i), x) == 0) return 1; return 0; }
  return 0;
}
// ---- comparison ----
export function rt_compare(a: usize, b: usize): i32 { return compare(a, b); }
export function rt_equal(a: usize, b: usize): i32 {
  // Strings, the usual operands, are equal only at equal lengths, and then word by word.
  if (a != b && tagOf(a) == T_STRING && tagOf(b) == T_STRING) {
    return strLen(a) == strLen(b) && bytesEqual(strPtr(a), strPtr(b), strLen(a)) ? 1 : 0;
  }
  return compare(a, b) == 0 ? 1 : 0;
}
/** A body literal holds unless its value is undefined or false. */
export function rt_truthy(v: usize): i32 { return v != 0 && !(tagOf(v) == T_BOOL && !boolOf(v)) ? 1 : 0; }
export function rt_is_false(v: usize): i32 { return v != 0 && tagOf(v) == T_BOOL && !boolOf(v) ? 1 : 0; }

// ---- arithmetic (undefined on type errors, like non-strict OPA) ----
@inline function bothNumbers(a: usize, b: usize): bool { return a != 0 && b != 0 && tagOf(a) == T_NUMBER && tagOf(b) == T_NUMBER; }
/** Numbers that only exist as text (big or very precise) would give inexact results: refuse. */
@inline function inexact(v: usize): bool {
  if (numRaw(v) == 0) return false;
  const f = numOf(v);
  return Math.abs(f) >= 9.007199254740992e15 || load<u32>(v, 4) > 17;
}
function refuseBig(): void {
  rt_abort_text("agentbus runtime: arithmetic on numbers beyond double precision is not supported");
}
function rt_abort_text(s: string): void {
  const p = alloc(<usize>s.length + 1);
  for (let i = 0; i < s.length; i++) store<u8>(p + <usize>i, <u8>s.charCodeAt(i));
  store<u8>(p + <usize>s.length, 0);
  abortPtr(p);
}
// OPA computes with arbitrary-precision decimals; doubles agree with it exactly when the double
// operation is exact. When it is not (0.1 + 0.2), refuse rather than answer differently.
function twoSumError(a: f64, b: f64, s: f64): f64 { const bb = s - a; return (a - (s - bb)) + (b - bb); }
@inline function splitHi(a: f64): f64 { const c = 134217729.0 * a; return c - (c - a); }
function twoProductError(a: f64, b: f64, p: f64): f64 {
  const ah = splitHi(a); const al = a - ah; const bh = splitHi(b); const bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}
function inexactResult(): void {
  rt_abort_text("agentbus runtime: the result of this arithmetic is not exact in double precision (OPA computes it in decimal); not supported");
}
export function exactSum(a: f64, b: f64): f64 {
  const s = a + b;
  if (twoSumError(a, b, s) != 0 || !isFinite(s)) inexactResult();
  return s;
}
export function exactProduct(a: f64, b: f64): f64 {
  const p = a * b;
  if (!isFinite(p) || twoProductError(a, b, p) != 0) inexactResult();
  return p;
}
export function rt_plus(a: usize, b: usize): usize {
  if (!bothNumbers(a, b)) return 0;
  if (inexact(a) || inexact(b)) refuseBig();
  return mkNumber(exactSum(numOf(a), numOf(b)));
}
export function rt_mul(a: usize, b: usize): usize {
  if (!bothNumbers(a, b)) return 0;
  if (inexact(a) || inexact(b)) refuseBig();
  return mkNumber(exactProduct(numOf(a), numOf(b)));
}
export function rt_div(a: usize, b: usize): usize {
  if (!bothNumbers(a, b)) return 0;
  if (inexact(a) || inexact(b)) refuseBig();
  const x = numOf(a); const y = numOf(b);
  if (y == 0) return 0;
  const q = x / y;
  const back = q * y;
  if (!isFinite(q) || back != x || twoProductError(q, y, back) != 0) inexactResult();
  return mkNumber(q);
}
export function rt_rem(a: usize, b: usize): usize {
  if (!bothNumbers(a, b)) return 0;
  if (inexact(a) || inexact(b)) refuseBig();
  const x = numOf(a); const y = numOf(b);
  if (y == 0 || x != Math.floor(x) || y != Math.floor(y)) return 0;
  return mkNumber(x % y);
}
/** `-` is subtraction on numbers and difference on sets. */
export function rt_minus(a: usize, b: usize): usize {
  if (a == 0 || b == 0) return 0;
  if (bothNumbers(a, b)) {
    if (inexact(a) || inexact(b)) refuseBig();
    return mkNumber(exactSum(numOf(a), -numOf(b)));
  }
  if (tagOf(a) == T_SET && tagOf(b) == T_SET) {
    const r = mkColl(T_SET, collLen(a));
    for (let i: u32 = 0; i < collLen(a); i++) if (!setHas(b, arrAt(a, i))) setAdd(r, arrAt(a, i));
    return r;
  }
  return 0;
}
export function rt_union(a: usize, b: usize): usize {
  if (a == 0 || b == 0 || tagOf(a) != T_SET || tagOf(b) != T_SET) return 0;
  const r = mkColl(T_SET, collLen(a) + collLen(b));
  for (let i: u32 = 0; i < collLen(a); i++) setAdd(r, arrAt(a, i));
  for (let i: u32 = 0; i < collLen(b); i++) setAdd(r, arrAt(b, i));
  return r;
}
export function rt_intersect(a: usize, b: usize): usize {
  if (a == 0 || b == 0 || tagOf(a) != T_SET || tagOf(b) != T_SET) return 0;
  const r = mkColl(T_SET, collLen(a));
  for (let i: u32 = 0; i < collLen(a); i++) if (setHas(b, arrAt(a, i))) setAdd(r, arrAt(a, i));
  return r;
}

// ---- built-ins supplied by the host (the SDK's JS implementations or customBuiltins) ----
@external("env", "opa_builtin0") declare function opa_builtin0(id: i32, ctx: i32): usize;
@external("env", "opa_builtin1") declare function opa_builtin1(id: i32, ctx: i32, a: usize): usize;
@external("env", "opa_builtin2") declare function opa_builtin2(id: i32, ctx: i32, a: usize, b: usize): usize;
@external("env", "opa_builtin3") declare function opa_builtin3(id: i32, ctx: i32, a: usize, b: usize, c: usize): usize;
@external("env", "opa_builtin4") declare function opa_builtin4(id: i32, ctx: i32, a: usize, b: usize, c: usize, d: usize): usize;
export function rt_host0(id: i32): usize { return opa_builtin0(id, 0); }
export function rt_host1(id: i32, a: usize): usize { return opa_builtin1(id, 0, a); }
export function rt_host2(id: i32, a: usize, b: usize): usize { return opa_builtin2(id, 0, a, b); }
export function rt_host3(id: i32, a: usize, b: usize, c: usize): usize { return opa_builtin3(id, 0, a, b, c); }
export function rt_host4(id: i32, a: usize, b: usize, c: usize, d: usize): usize { return opa_builtin4(id, 0, a, b, c, d); }

// ---- tests used by generated code for patterns and relations in value position ----
export function rt_is_array_len(v: usize, n: i32): i32 { return v != 0 && tagOf(v) == T_ARRAY && collLen(v) == <u32>n ? 1 : 0; }
export function rt_is_object_len(v: usize, n: i32): i32 { return v != 0 && tagOf(v) == T_OBJECT && collLen(v) == <u32>n ? 1 : 0; }
/** A relation (0 ==, 1 !=, 2 <, 3 <=, 4 >, 5 >=) as a boolean value. */
export function rt_relation(kind: i32, a: usize, b: usize): usize {
  if (a == 0 || b == 0) return 0;
  const c = compare(a, b);
  let r = false;
  switch (kind) {
    case 0: r = c == 0; break;
    case 1: r = c != 0; break;
    case 2: r = c < 0; break;
    case 3: r = c <= 0; break;
    case 4: r = c > 0; break;
    default: r = c >= 0; break;
  }
  return mkBool(r);
}
export function rt_member_value(x: usize, c: usize): usize {
  if (x == 0 || c == 0) return 0;
  return mkBool(rt_member(x, c) != 0);
}

/**
 * The SDK's sprintf (sprintf-js) formats composite values differently from Go's %v: refuse
 * them rather than answer differently from OPA.
 */
export function rt_sprintf_guard(args: usize): usize {
  if (args == 0 || tagOf(args) != T_ARRAY) return args;
  for (let i: u32 = 0; i < collLen(args); i++) {
    const t = tagOf(arrAt(args, i));
    if (t == T_ARRAY || t == T_OBJECT || t == T_SET) rt_abort_text("agentbus runtime: sprintf of arrays, objects or sets is not supported (the host formats them differently from OPA)");
  }
  return args;
}

/** Puts base data into a package document: objects merge deeply, otherwise base data wins. */
export function rt_object_merge_put(o: usize, k: usize, v: usize): void {
  const prev = objGet(o, k);
  objPut(o, k, prev != 0 ? mergeObjects(prev, v) : v);
}
function mergeObjects(virtualDoc: usize, base: usize): usize {
  if (tagOf(virtualDoc) != T_OBJECT || tagOf(base) != T_OBJECT) return base;
  const r = mkColl(T_OBJECT, collLen(virtualDoc) + collLen(base));
  for (let i: u32 = 0; i < collLen(virtualDoc); i++) objPut(r, objKey(virtualDoc, i), objVal(virtualDoc, i));
  for (let i: u32 = 0; i < collLen(base); i++) {
    const key = objKey(base, i);
    const prev = objGet(r, key);
    objPut(r, key, prev != 0 ? mergeObjects(prev, objVal(base, i)) : objVal(base, i));
  }
  return r;
}

/** `every` over something that is not a collection is false (OPA). */
export function rt_is_collection(v: usize): i32 {
  if (v == 0) return 0;
  const t = tagOf(v);
  return t == T_ARRAY || t == T_OBJECT || t == T_SET ? 1 : 0;
}
