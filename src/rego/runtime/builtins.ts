// Built-in functions implemented natively. Type errors give undefined (0), as OPA does
// outside strict mode. Exported as rt_bi_* for the linker.
import { alloc, abortWith } from "./heap";
import {
  T_NULL, T_BOOL, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, tagOf, numOf, collLen, arrAt,
  objKey, objVal, strPtr, strLen, mkNumber, mkBool, mkString, mkColl, arrPush,
} from "./value";
import { compare, objGet, setAdd } from "./compare";
import { compareBytes } from "./compare";
import { globMatch } from "./glob";
import { exactSum, exactProduct } from "./ops";

@inline function isStr(v: usize): bool { return v != 0 && tagOf(v) == T_STRING; }
@inline function isSeq(v: usize): bool { return v != 0 && (tagOf(v) == T_ARRAY || tagOf(v) == T_SET); }

export function rt_bi_count(v: usize): usize {
  if (v == 0) return 0;
  const t = tagOf(v);
  if (t == T_STRING) {
    const p = strPtr(v); const n = strLen(v);
    let c: u32 = 0;
    for (let i: u32 = 0; i < n; i++) if ((load<u8>(p + i) & 0xc0) != 0x80) c++;
    return mkNumber(<f64>c);
  }
  if (t == T_ARRAY || t == T_SET || t == T_OBJECT) return mkNumber(<f64>collLen(v));
  return 0;
}
export function rt_bi_sum(v: usize): usize {
  if (!isSeq(v)) return 0;
  let s: f64 = 0;
  for (let i: u32 = 0; i < collLen(v); i++) { const x = arrAt(v, i); if (tagOf(x) != T_NUMBER) return 0; s = exactSum(s, numOf(x)); }
  return mkNumber(s);
}
export function rt_bi_product(v: usize): usize {
  if (!isSeq(v)) return 0;
  let s: f64 = 1;
  for (let i: u32 = 0; i < collLen(v); i++) { const x = arrAt(v, i); if (tagOf(x) != T_NUMBER) return 0; s = exactProduct(s, numOf(x)); }
  return mkNumber(s);
}
export function rt_bi_max(v: usize): usize {
  if (!isSeq(v) || collLen(v) == 0) return 0;
  let m = arrAt(v, 0);
  for (let i: u32 = 1; i < collLen(v); i++) if (compare(arrAt(v, i), m) > 0) m = arrAt(v, i);
  return m;
}
export function rt_bi_min(v: usize): usize {
  if (!isSeq(v) || collLen(v) == 0) return 0;
  let m = arrAt(v, 0);
  for (let i: u32 = 1; i < collLen(v); i++) if (compare(arrAt(v, i), m) < 0) m = arrAt(v, i);
  return m;
}
export function rt_bi_sort(v: usize): usize {
  if (!isSeq(v)) return 0;
  const n = collLen(v);
  const r = mkColl(T_ARRAY, n);
  for (let i: u32 = 0; i < n; i++) arrPush(r, arrAt(v, i));
  if (tagOf(v) == T_SET) return r; // already sorted
  const items = <usize>load<u32>(r, 12);
  for (let i: u32 = 1; i < n; i++) { // insertion sort (stable)
    const x = load<u32>(items + (<usize>i << 2));
    let j = <i32>i - 1;
    while (j >= 0 && compare(<usize>load<u32>(items + (<usize>j << 2)), <usize>x) > 0) {
      store<u32>(items + (<usize>(j + 1) << 2), load<u32>(items + (<usize>j << 2))); j--;
    }
    store<u32>(items + (<usize>(j + 1) << 2), x);
  }
  return r;
}
export function rt_bi_abs(v: usize): usize { return v != 0 && tagOf(v) == T_NUMBER ? mkNumber(Math.abs(numOf(v))) : 0; }

function startsAt(s: usize, sn: u32, p: usize, pn: u32): bool {
  if (pn > sn) return false;
  return compareBytes(s, pn, p, pn) == 0;
}
export function rt_bi_startswith(a: usize, b: usize): usize {
  if (!isStr(a) || !isStr(b)) return 0;
  return mkBool(startsAt(strPtr(a), strLen(a), strPtr(b), strLen(b)));
}
export function rt_bi_endswith(a: usize, b: usize): usize {
  if (!isStr(a) || !isStr(b)) return 0;
  if (strLen(b) > strLen(a)) return mkBool(false);
  return mkBool(compareBytes(strPtr(a) + strLen(a) - strLen(b), strLen(b), strPtr(b), strLen(b)) == 0);
}
function indexOf(s: usize, sn: u32, p: usize, pn: u32, from: u32): i32 {
  if (pn == 0) return <i32>from;
  for (let i = from; i + pn <= sn; i++) if (compareBytes(s + i, pn, p, pn) == 0) return <i32>i;
  return -1;
}
export function rt_bi_contains(a: usize, b: usize): usize {
  if (!isStr(a) || !isStr(b)) return 0;
  return mkBool(indexOf(strPtr(a), strLen(a), strPtr(b), strLen(b), 0) >= 0);
}
function mapCase(v: usize, upper: bool): usize {
  if (!isStr(v)) return 0;
  const n = strLen(v); const p = strPtr(v);
  const d = alloc(n);
  for (let i: u32 = 0; i < n; i++) {
    let c = load<u8>(p + i);
    if (c >= 0x80) return 0xffffffff; // non-ASCII: caller refuses (see rt_bi_lower)
    if (upper && c >= 0x61 && c <= 0x7a) c -= 32;
    if (!upper && c >= 0x41 && c <= 0x5a) c += 32;
    store<u8>(d + i, c);
  }
  return mkString(d, n);
}
export function rt_bi_lower(v: usize): usize { return refuseMarker(mapCase(v, false), "agentbus runtime: lower() of non-ASCII text is not supported"); }
export function rt_bi_upper(v: usize): usize { return refuseMarker(mapCase(v, true), "agentbus runtime: upper() of non-ASCII text is not supported"); }
/** Refuse rather than answer wrongly where only part of Go's behaviour is implemented. */
function refuseMarker(v: usize, what: string): usize {
  // `what` is a full static message: string concatenation would allocate through AssemblyScript.
  if (v == 0xffffffff) abortWith(what);
  return v;
}
export function rt_bi_concat(delim: usize, c: usize): usize {
  if (!isStr(delim) || !isSeq(c)) return 0;
  const n = collLen(c);
  let total: u32 = 0;
  for (let i: u32 = 0; i < n; i++) { const x = arrAt(c, i); if (tagOf(x) != T_STRING) return 0; total += strLen(x); }
  if (n > 1) total += (n - 1) * strLen(delim);
  const d = alloc(total);
  let q = d;
  for (let i: u32 = 0; i < n; i++) {
    if (i > 0) { memory.copy(q, strPtr(delim), strLen(delim)); q += strLen(delim); }
    const x = arrAt(c, i);
    memory.copy(q, strPtr(x), strLen(x)); q += strLen(x);
  }
  return mkString(d, total);
}
export function rt_bi_split(s: usize, delim: usize): usize {
  if (!isStr(s) || !isStr(delim)) return 0;
  const r = mkColl(T_ARRAY, 4);
  const p = strPtr(s); const n = strLen(s); const dp = strPtr(delim); const dn = strLen(delim);
  if (dn == 0) { // one element per character
    let i: u32 = 0;
    while (i < n) {
      const b = <u32>load<u8>(p + i);
      const l: u32 = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
      arrPush(r, mkString(p + i, l)); i += l;
    }
    return r;
  }
  let from: u32 = 0;
  while (true) {
    const at = indexOf(p, n, dp, dn, from);
    if (at < 0) { arrPush(r, mkString(p + from, n - from)); return r; }
    arrPush(r, mkString(p + from, <u32>at - from));
    from = <u32>at + dn;
  }
  return r;
}
@inline function isSpace(c: u8): bool { return c == 0x20 || (c >= 0x09 && c <= 0x0d); }
export function rt_bi_trim_space(s: usize): usize {
  if (!isStr(s)) return 0;
  let p = strPtr(s); let e = p + strLen(s);
  while (p < e && isSpace(load<u8>(p))) p++;
  while (e > p && isSpace(load<u8>(e - 1))) e--;
  // Go also trims Unicode spaces (U+0085, U+00A0, ...): refuse rather than differ.
  if (p < e && (load<u8>(p) >= 0x80 || load<u8>(e - 1) >= 0x80)) abortWith("agentbus runtime: trim_space of text with non-ASCII characters at its ends is not supported");
  return mkString(p, <u32>(e - p));
}
export function rt_bi_indexof(s: usize, sub: usize): usize {
  if (!isStr(s) || !isStr(sub)) return 0;
  const at = indexOf(strPtr(s), strLen(s), strPtr(sub), strLen(sub), 0);
  if (at < 0) return mkNumber(-1);
  let c: u32 = 0; // code point index
  for (let i: u32 = 0; i < <u32>at; i++) if ((load<u8>(strPtr(s) + i) & 0xc0) != 0x80) c++;
  return mkNumber(<f64>c);
}
export function rt_bi_replace(s: usize, old: usize, nw: usize): usize {
  if (!isStr(s) || !isStr(old) || !isStr(nw)) return 0;
  if (strLen(old) == 0) return refuseMarker(0xffffffff, "agentbus runtime: replace() with an empty pattern is not supported");
  const parts = rt_bi_split(s, old);
  return rt_bi_concat(nw, parts);
}
export function rt_bi_object_get(o: usize, k: usize, d: usize): usize {
  if (o == 0 || k == 0 || d == 0 || tagOf(o) != T_OBJECT) return 0;
  if (tagOf(k) == T_ARRAY) {
    let cur = o;
    for (let i: u32 = 0; i < collLen(k); i++) {
      const key = arrAt(k, i);
      const t = tagOf(cur);
      let next: usize = 0;
      if (t == T_OBJECT) next = objGet(cur, key);
      else if (t == T_ARRAY && tagOf(key) == T_NUMBER) {
        const f = numOf(key);
        if (f == Math.floor(f) && f >= 0 && f < <f64>collLen(cur)) next = arrAt(cur, <u32>f);
      } else if (t == T_SET) { next = 0; }
      if (next == 0) return d;
      cur = next;
    }
    return cur;
  }
  const v = objGet(o, k);
  return v == 0 ? d : v;
}
export function rt_bi_object_keys(o: usize): usize {
  if (o == 0 || tagOf(o) != T_OBJECT) return 0;
  const r = mkColl(T_SET, collLen(o));
  for (let i: u32 = 0; i < collLen(o); i++) setAdd(r, objKey(o, i));
  return r;
}
export function rt_bi_array_concat(a: usize, b: usize): usize {
  if (a == 0 || b == 0 || tagOf(a) != T_ARRAY || tagOf(b) != T_ARRAY) return 0;
  const r = mkColl(T_ARRAY, collLen(a) + collLen(b));
  for (let i: u32 = 0; i < collLen(a); i++) arrPush(r, arrAt(a, i));
  for (let i: u32 = 0; i < collLen(b); i++) arrPush(r, arrAt(b, i));
  return r;
}
@inline function isType(v: usize, t: u32): usize { return v == 0 ? 0 : mkBool(tagOf(v) == t); }
export function rt_bi_is_number(v: usize): usize { return isType(v, T_NUMBER); }
export function rt_bi_is_string(v: usize): usize { return isType(v, T_STRING); }
export function rt_bi_is_boolean(v: usize): usize { return isType(v, T_BOOL); }
export function rt_bi_is_array(v: usize): usize { return isType(v, T_ARRAY); }
export function rt_bi_is_object(v: usize): usize { return isType(v, T_OBJECT); }
export function rt_bi_is_set(v: usize): usize { return isType(v, T_SET); }
export function rt_bi_is_null(v: usize): usize { return isType(v, T_NULL); }
export function rt_bi_glob_match(p: usize, d: usize, s: usize): usize {
  const r = globMatch(p, d, s);
  return r < 0 ? 0 : mkBool(r == 1);
}

// ---- rounding ----
@inline function num(v: usize): bool { return v != 0 && tagOf(v) == T_NUMBER; }
export function rt_bi_floor(v: usize): usize { return num(v) ? mkNumber(Math.floor(numOf(v))) : 0; }
export function rt_bi_ceil(v: usize): usize { return num(v) ? mkNumber(Math.ceil(numOf(v))) : 0; }
/** Go's math.Round: half away from zero. */
export function rt_bi_round(v: usize): usize {
  if (!num(v)) return 0;
  const x = numOf(v);
  const r = Math.floor(Math.abs(x) + 0.5);
  return mkNumber(x < 0 ? -r : r);
}

// ---- more strings (code point indices, like OPA's runes) ----
function runeIndex(p: usize, byteOffset: u32): u32 {
  let c: u32 = 0;
  for (let i: u32 = 0; i < byteOffset; i++) if ((load<u8>(p + i) & 0xc0) != 0x80) c++;
  return c;
}
export function rt_bi_indexof_n(s: usize, sub: usize): usize {
  if (!isStr(s) || !isStr(sub) || strLen(sub) == 0) return 0;
  const r = mkColl(T_ARRAY, 4);
  let from: u32 = 0;
  while (true) {
    const at = indexOf(strPtr(s), strLen(s), strPtr(sub), strLen(sub), from);
    if (at < 0) return r;
    arrPush(r, mkNumber(<f64>runeIndex(strPtr(s), <u32>at)));
    from = <u32>at + 1;
  }
  return r;
}
export function rt_bi_strings_count(s: usize, sub: usize): usize {
  if (!isStr(s) || !isStr(sub)) return 0;
  if (strLen(sub) == 0) return mkNumber(<f64>(runeIndex(strPtr(s), strLen(s)) + 1));
  let n: u32 = 0;
  let from: u32 = 0;
  while (true) {
    const at = indexOf(strPtr(s), strLen(s), strPtr(sub), strLen(sub), from);
    if (at < 0) return mkNumber(<f64>n);
    n++;
    from = <u32>at + strLen(sub);
  }
  return 0;
}
export function rt_bi_trim_prefix(s: usize, pre: usize): usize {
  if (!isStr(s) || !isStr(pre)) return 0;
  if (!startsAt(strPtr(s), strLen(s), strPtr(pre), strLen(pre))) return s;
  return mkString(strPtr(s) + strLen(pre), strLen(s) - strLen(pre));
}
export function rt_bi_trim_suffix(s: usize, suf: usize): usize {
  if (!isStr(s) || !isStr(suf)) return 0;
  const n = strLen(s); const m = strLen(suf);
  if (m > n || compareBytes(strPtr(s) + n - m, m, strPtr(suf), m) != 0) return s;
  return mkString(strPtr(s), n - m);
}
function inCutset(c: u8, cut: usize): bool {
  for (let i: u32 = 0; i < strLen(cut); i++) if (load<u8>(strPtr(cut) + i) == c) return true;
  return false;
}
function trimWith(s: usize, cut: usize, left: bool, right: bool): usize {
  if (!isStr(s) || !isStr(cut)) return 0;
  for (let i: u32 = 0; i < strLen(cut); i++) if (load<u8>(strPtr(cut) + i) >= 0x80) abortWith("agentbus runtime: trim with a non-ASCII cutset is not supported");
  let p = strPtr(s); let e = p + strLen(s);
  if (left) while (p < e && inCutset(load<u8>(p), cut)) p++;
  if (right) while (e > p && inCutset(load<u8>(e - 1), cut)) e--;
  return mkString(p, <u32>(e - p));
}
export function rt_bi_trim(s: usize, cut: usize): usize { return trimWith(s, cut, true, true); }
export function rt_bi_trim_left(s: usize, cut: usize): usize { return trimWith(s, cut, true, false); }
export function rt_bi_trim_right(s: usize, cut: usize): usize { return trimWith(s, cut, false, true); }
/** substring(s, start, length) over code points; a negative length means "to the end". */
export function rt_bi_substring(s: usize, start: usize, length: usize): usize {
  if (!isStr(s) || !num(start) || !num(length)) return 0;
  const st = numOf(start); const ln = numOf(length);
  if (st != Math.floor(st) || ln != Math.floor(ln) || st < 0) return 0;
  const p = strPtr(s); const n = strLen(s);
  const runes = runeIndex(p, n);
  if (st >= <f64>runes) return mkString(p, 0);
  // byte offsets of code point indices
  const from = <u32>st;
  const upto: u32 = ln < 0 || st + ln > <f64>runes ? runes : <u32>(st + ln);
  let b: u32 = 0; let r: u32 = 0; let startByte: u32 = 0; let endByte: u32 = n;
  while (b <= n) {
    if (r == from) startByte = b;
    if (r == upto) { endByte = b; break; }
    if (b == n) break;
    b++;
    while (b < n && (load<u8>(p + b) & 0xc0) == 0x80) b++;
    r++;
  }
  return mkString(p + startByte, endByte - startByte);
}

/** strings.split_n(s, delimiter, n): the first n parts (n > 0), the last -n (n < 0), none (0). */
export function rt_bi_strings_split_n(s: usize, delim: usize, n: usize): usize {
  if (!num(n)) return 0;
  const k = numOf(n);
  if (k != Math.floor(k)) return 0;
  const parts = rt_bi_split(s, delim);
  if (parts == 0) return 0;
  const total = <i32>collLen(parts);
  let from: i32 = 0;
  let to: i32 = total;
  if (k >= 0) to = k < <f64>total ? <i32>k : total;
  else from = -k < <f64>total ? total + <i32>k : 0;
  const r = mkColl(T_ARRAY, <u32>(to - from));
  for (let i = from; i < to; i++) arrPush(r, arrAt(parts, <u32>i));
  return r;
}

/** format_int(x, base): x truncated toward zero, in base 2, 8, 10 or 16 (lower-case digits). */
export function rt_bi_format_int(x: usize, base: usize): usize {
  if (!num(x) || !num(base)) return 0;
  const b = numOf(base);
  if (b != 2 && b != 8 && b != 10 && b != 16) return 0;
  const f = numOf(x);
  if (Math.abs(f) >= 9.007199254740992e15) abortWith("agentbus runtime: format_int of a number beyond 2^53 is not supported");
  let v = <i64>Math.abs(Math.trunc(f));
  const neg = f < 0 && v != 0;
  const radix = <i64>b;
  const buf = alloc(66);
  let p = buf + 66;
  do {
    const d = <u32>(v % radix);
    p--; store<u8>(p, <u8>(d < 10 ? 0x30 + d : 0x61 + d - 10));
    v /= radix;
  } while (v > 0);
  if (neg) { p--; store<u8>(p, 0x2d); }
  return mkString(p, <u32>(buf + 66 - p));
}
