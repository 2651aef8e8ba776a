// Rego's total order: null < boolean < number < string < array < object < set.
// Objects and sets are kept sorted, so comparing them is a pairwise walk.
import {
  T_NULL, T_BOOL, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, tagOf, boolOf, numOf,
  strLen, strPtr, collLen, arrAt, objKey, objVal, collItems, ensureCap, numRaw,
} from "./value";
import { abortWith } from "./heap";

export function compareBytes(pa: usize, la: u32, pb: usize, lb: u32): i32 {
  const n = la < lb ? la : lb;
  for (let i: u32 = 0; i < n; i++) {
    const a = load<u8>(pa + i);
    const b = load<u8>(pb + i);
    if (a != b) return a < b ? -1 : 1;
  }
  return la == lb ? 0 : (la < lb ? -1 : 1);
}

/**
 * Whether n bytes at pa and pb are equal. Object keys are short: whole words, the last one
 * overlapping the ones before it, instead of a byte loop (rt_get_hinted checks one key per lookup).
 */
@inline export function bytesEqual(pa: usize, pb: usize, n: u32): bool {
  if (n >= 8) {
    let i: u32 = 0;
    while (i + 8 < n) { if (load<u64>(pa + i) != load<u64>(pb + i)) return false; i += 8; }
    return load<u64>(pa + n - 8) == load<u64>(pb + n - 8);
  }
  if (n >= 4) return load<u32>(pa) == load<u32>(pb) && load<u32>(pa + n - 4) == load<u32>(pb + n - 4);
  if (n >= 2) return load<u16>(pa) == load<u16>(pb) && load<u8>(pa + n - 1) == load<u8>(pb + n - 1);
  return n == 0 || load<u8>(pa) == load<u8>(pb);
}

export function compare(a: usize, b: usize): i32 {
  if (a == b) return 0;
  const ta = tagOf(a);
  const tb = tagOf(b);
  if (ta != tb) return ta < tb ? -1 : 1;
  switch (ta) {
    case T_NULL: return 0;
    case T_BOOL: { const x = boolOf(a) ? 1 : 0; const y = boolOf(b) ? 1 : 0; return x - y; }
    case T_NUMBER: return compareNumbers(a, b);
    case T_STRING: return compareBytes(strPtr(a), strLen(a), strPtr(b), strLen(b));
    case T_ARRAY:
    case T_SET: {
      const la = collLen(a); const lb = collLen(b);
      const n = la < lb ? la : lb;
      for (let i: u32 = 0; i < n; i++) {
        const c = compare(arrAt(a, i), arrAt(b, i));
        if (c != 0) return c;
      }
      return la == lb ? 0 : (la < lb ? -1 : 1);
    }
    case T_OBJECT: {
      const la = collLen(a); const lb = collLen(b);
      const n = la < lb ? la : lb;
      for (let i: u32 = 0; i < n; i++) {
        let c = compare(objKey(a, i), objKey(b, i));
        if (c != 0) return c;
        c = compare(objVal(a, i), objVal(b, i));
        if (c != 0) return c;
      }
      return la == lb ? 0 : (la < lb ? -1 : 1);
    }
  }
  return 0;
}

/** Numbers whose JSON text may hold more precision than their double. */
function imprecise(v: usize): bool {
  const raw = <usize>load<u32>(v, 16);
  if (raw == 0) return false;
  return Math.abs(numOf(v)) >= 9.007199254740992e15 || load<u32>(v, 4) > 15;
}

function integerText(v: usize): bool {
  const raw = <usize>load<u32>(v, 16);
  const n = load<u32>(v, 4);
  if (raw == 0 || n == 0) return false;
  for (let i: u32 = 0; i < n; i++) {
    const c = load<u8>(raw + i);
    if (!(c >= 0x30 && c <= 0x39) && !(i == 0 && c == 0x2d)) return false;
  }
  return true;
}

/** Compares integer texts exactly: sign, then magnitude by length and digits. */
function compareIntegerTexts(a: usize, b: usize): i32 {
  let pa = <usize>load<u32>(a, 16); let la = load<u32>(a, 4);
  let pb = <usize>load<u32>(b, 16); let lb = load<u32>(b, 4);
  const na = load<u8>(pa) == 0x2d; const nb = load<u8>(pb) == 0x2d;
  if (na) { pa++; la--; }
  if (nb) { pb++; lb--; }
  while (la > 1 && load<u8>(pa) == 0x30) { pa++; la--; }
  while (lb > 1 && load<u8>(pb) == 0x30) { pb++; lb--; }
  const zeroA = la == 1 && load<u8>(pa) == 0x30;
  const zeroB = lb == 1 && load<u8>(pb) == 0x30;
  const signA: i32 = zeroA ? 0 : (na ? -1 : 1);
  const signB: i32 = zeroB ? 0 : (nb ? -1 : 1);
  if (signA != signB) return signA < signB ? -1 : 1;
  let mag: i32 = la != lb ? (la < lb ? -1 : 1) : compareBytes(pa, la, pb, lb);
  return signA < 0 ? -mag : mag;
}

function compareNumbers(a: usize, b: usize): i32 {
  const x = numOf(a); const y = numOf(b);
  if (x != y) {
    // Integers parsed from long texts may be a rounding step off their nearest double: their
    // texts decide (the literal 11529215046068469760 and the same number from a host built-in).
    if (numRaw(a) != 0 && numRaw(b) != 0 && (imprecise(a) || imprecise(b)) && integerText(a) && integerText(b)) return compareIntegerTexts(a, b);
    return x < y ? -1 : 1;
  }
  if (!imprecise(a) && !imprecise(b)) return 0;
  const ra = <usize>load<u32>(a, 16); const rb = <usize>load<u32>(b, 16);
  if (ra != 0 && rb != 0 && compareBytes(ra, load<u32>(a, 4), rb, load<u32>(b, 4)) == 0) return 0;
  if (integerText(a) && integerText(b)) return compareIntegerTexts(a, b);
  abortWith("agentbus runtime: comparing numbers beyond double precision is not supported");
  return 0;
}

@inline export function equal(a: usize, b: usize): bool { return compare(a, b) == 0; }

/** Binary search in a sorted item list (width 4 = set items, 8 = object entries). Returns index or -(insertion point)-1. */
export function search(c: usize, key: usize, width: u32): i32 {
  let lo: i32 = 0;
  let hi: i32 = <i32>collLen(c) - 1;
  const items = collItems(c);
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const k = <usize>load<u32>(items + <usize>(<u32>mid * width));
    const r = compare(k, key);
    if (r == 0) return mid;
    if (r < 0) lo = mid + 1; else hi = mid - 1;
  }
  return -(lo + 1);
}

export function setAdd(s: usize, v: usize): void {
  const len = collLen(s);
  // Fast path: appending in order (parsing sorted input, building from sorted scans).
  if (len > 0) {
    const last = compare(arrAt(s, len - 1), v);
    if (last == 0) return;
    if (last < 0) { ensureCap(s, 4); store<u32>(collItems(s) + (<usize>len << 2), <u32>v); store<u32>(s, len + 1, 4); return; }
  }
  const at = search(s, v, 4);
  if (at >= 0) return;
  const pos = <u32>(-at - 1);
  ensureCap(s, 4);
  const items = collItems(s);
  memory.copy(items + (<usize>(pos + 1) << 2), items + (<usize>pos << 2), <usize>((len - pos) << 2));
  store<u32>(items + (<usize>pos << 2), <u32>v);
  store<u32>(s, len + 1, 4);
}

/** Insert or replace; returns the previous value or 0. */
export function objPut(o: usize, k: usize, v: usize): usize {
  const len = collLen(o);
  if (len > 0) {
    const last = compare(objKey(o, len - 1), k);
    if (last < 0) {
      ensureCap(o, 8);
      const p = collItems(o) + (<usize>len << 3);
      store<u32>(p, <u32>k); store<u32>(p, <u32>v, 4); store<u32>(o, len + 1, 4);
      return 0;
    }
  }
  const at = search(o, k, 8);
  if (at >= 0) {
    const p = collItems(o) + (<usize>at << 3);
    const prev = <usize>load<u32>(p, 4);
    store<u32>(p, <u32>v, 4);
    return prev;
  }
  const pos = <u32>(-at - 1);
  ensureCap(o, 8);
  const items = collItems(o);
  memory.copy(items + (<usize>(pos + 1) << 3), items + (<usize>pos << 3), <usize>((len - pos) << 3));
  store<u32>(items + (<usize>pos << 3), <u32>k);
  store<u32>(items + (<usize>pos << 3), <u32>v, 4);
  store<u32>(o, len + 1, 4);
  return 0;
}

export function objGet(o: usize, k: usize): usize {
  const at = search(o, k, 8);
  return at < 0 ? 0 : objVal(o, <u32>at);
}

export function setHas(s: usize, v: usize): bool { return search(s, v, 4) >= 0; }
