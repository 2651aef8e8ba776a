// JSON text <-> values. Strings without escapes point into the source text (zero copy); the
// source lives at least as long as the evaluation (input) or the data (below dataHeapPtr).
// Parser and dumper keep no state across calls (the parse position is saved and restored around
// each parse), so host built-ins may re-enter them.
import { alloc, heapGet } from "./heap";
import {
  T_NULL, T_BOOL, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, tagOf, boolOf, numOf, numRaw,
  strLen, strPtr, collLen, arrAt, objKey, objVal, mkNull, mkBool, mkNumber, mkNumberRaw, mkString,
  mkColl, arrPush, collItems, ensureCap,
} from "./value";
import { setAdd, objPut, compareBytes } from "./compare";
import { internedKey } from "./keys";
import { dtoa_buffered } from "util/number";

/**
 * Parse position: the cursor of the parse under way (parseJson saves and restores it around each
 * parse, so a parse started while another is under way would not disturb it). A wasm global
 * rather than a cell in memory: every token reads and moves it.
 */
let pos: usize = 0;

@inline function ws(p: usize, end: usize): usize {
  while (p < end) {
    const c = load<u8>(p);
    if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
    p++;
  }
  return p;
}

const ONES: u64 = 0x0101010101010101;
const HIGHS: u64 = 0x8080808080808080;
/**
 * The high bit of each of eight bytes that may be `"`, `\\` or a control character (the bytes that end
 * a string's plain run when parsing, and that need escaping when dumping). Never clear for such a
 * byte, and the lowest bit set is always exact (a borrow only marks bytes above a real one), so the
 * first such byte is found without a byte loop. Strings are mostly short plain ASCII.
 */
@inline function specialBytes(x: u64): u64 {
  const quote = x ^ (ONES * 0x22);
  const backslash = x ^ (ONES * 0x5c);
  return (((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash) | ((x - ONES * 0x20) & ~x)) & HIGHS;
}

/** The position of the first `"`, `\\` or control byte at or after p, or end. */
@inline function scanPlain(p: usize, end: usize): usize {
  while (p + 8 <= end) {
    const special = specialBytes(load<u64>(p));
    if (special != 0) return p + <usize>(ctz(special) >> 3);
    p += 8;
  }
  while (p < end) {
    const c = load<u8>(p);
    if (c == 0x22 || c == 0x5c || c < 0x20) return p;
    p++;
  }
  return end;
}

const POW10: StaticArray<f64> = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

export function parseNumberText(start: usize, end: usize): f64 {
  let p = start;
  let neg = false;
  if (p < end && load<u8>(p) == 0x2d) { neg = true; p++; }
  let mant: f64 = 0;
  let digits = 0;
  let exp: i32 = 0;
  while (p < end) {
    const c = load<u8>(p);
    if (c < 0x30 || c > 0x39) break;
    mant = mant * 10 + <f64>(c - 0x30); digits++; p++;
  }
  if (p < end && load<u8>(p) == 0x2e) {
    p++;
    while (p < end) {
      const c = load<u8>(p);
      if (c < 0x30 || c > 0x39) break;
      mant = mant * 10 + <f64>(c - 0x30); exp--; digits++; p++;
    }
  }
  if (p < end && (load<u8>(p) | 0x20) == 0x65) {
    p++;
    let eneg = false;
    if (p < end && (load<u8>(p) == 0x2d || load<u8>(p) == 0x2b)) { eneg = load<u8>(p) == 0x2d; p++; }
    let e: i32 = 0;
    while (p < end) {
      const c = load<u8>(p);
      if (c < 0x30 || c > 0x39) break;
      if (e < 100000) e = e * 10 + <i32>(c - 0x30);
      p++;
    }
    exp += eneg ? -e : e;
  }
  let r = mant;
  // Exact for <= 15 significant digits and |exp| <= 22 (one correctly rounded operation).
  while (exp > 0) { const k = exp > 22 ? 22 : exp; r *= POW10[k]; exp -= k; }
  while (exp < 0) { const k = -exp > 22 ? 22 : -exp; r /= POW10[k]; exp += k; }
  return neg ? -r : r;
}

function hexv(c: u32): i32 {
  if (c >= 0x30 && c <= 0x39) return <i32>(c - 0x30);
  c |= 0x20;
  if (c >= 0x61 && c <= 0x66) return <i32>(c - 0x61 + 10);
  return -1;
}

function putUtf8(d: usize, cp: u32): usize {
  if (cp < 0x80) { store<u8>(d, <u8>cp); return d + 1; }
  if (cp < 0x800) { store<u8>(d, <u8>(0xc0 | (cp >> 6))); store<u8>(d + 1, <u8>(0x80 | (cp & 0x3f))); return d + 2; }
  if (cp < 0x10000) {
    store<u8>(d, <u8>(0xe0 | (cp >> 12))); store<u8>(d + 1, <u8>(0x80 | ((cp >> 6) & 0x3f))); store<u8>(d + 2, <u8>(0x80 | (cp & 0x3f))); return d + 3;
  }
  store<u8>(d, <u8>(0xf0 | (cp >> 18))); store<u8>(d + 1, <u8>(0x80 | ((cp >> 12) & 0x3f)));
  store<u8>(d + 2, <u8>(0x80 | ((cp >> 6) & 0x3f))); store<u8>(d + 3, <u8>(0x80 | (cp & 0x3f))); return d + 4;
}

/**
 * objPut for a parsed object: entries usually arrive with string keys in byte order (the host
 * writes them so), and then each is appended after one byte comparison with the last key.
 */
function putParsed(o: usize, k: usize, v: usize): void {
  const len = collLen(o);
  if (len > 0) {
    const last = objKey(o, len - 1);
    if (tagOf(k) != T_STRING || tagOf(last) != T_STRING || compareBytes(strPtr(last), strLen(last), strPtr(k), strLen(k)) >= 0) {
      objPut(o, k, v);
      return;
    }
  }
  ensureCap(o, 8);
  const p = collItems(o) + (<usize>len << 3);
  store<u32>(p, <u32>k); store<u32>(p, <u32>v, 4); store<u32>(o, len + 1, 4);
}

/**
 * An object key at `pos`: a plain string the policy looks up becomes the policy's own constant
 * (see keys.ts); any other plain string is made here; escapes and (Rego syntax) non-string keys
 * go through parseValue.
 */
function parseKey(end: usize, regoSyntax: bool): usize {
  const p = ws(pos, end);
  if (p < end && load<u8>(p) == 0x22) {
    const s = p + 1;
    const q = scanPlain(s, end);
    if (q < end && load<u8>(q) == 0x22) {
      pos = q + 1;
      const n = <u32>(q - s);
      const key = internedKey(s, n);
      return key != 0 ? key : mkString(s, n);
    }
  }
  return parseValue(end, regoSyntax);
}

/** The value at `pos` (moved past it), or 0 on a syntax error. */
function parseValue(end: usize, regoSyntax: bool): usize {
  let p = ws(pos, end);
  if (p >= end) return 0;
  const c = load<u8>(p);
  if (c == 0x22) { // string
    const s = p + 1;
    p = scanPlain(s, end);
    if (p < end && load<u8>(p) == 0x22) { pos = p + 1; return mkString(s, <u32>(p - s)); }
    let escaped = false;
    while (p < end) {
      const ch = load<u8>(p);
      if (ch == 0x22) break;
      if (ch == 0x5c) { escaped = true; p += 2; continue; }
      if (ch < 0x20) return 0;
      p++;
    }
    if (p >= end) return 0;
    const e = p;
    pos = p + 1;
    if (!escaped) return mkString(s, <u32>(e - s));
    const buf = alloc(e - s);
    let d = buf;
    let q = s;
    while (q < e) {
      let ch = <u32>load<u8>(q);
      if (ch != 0x5c) { store<u8>(d++, <u8>ch); q++; continue; }
      q++;
      const esc = <u32>load<u8>(q); q++;
      if (esc == 0x6e) store<u8>(d++, 0x0a);
      else if (esc == 0x74) store<u8>(d++, 0x09);
      else if (esc == 0x72) store<u8>(d++, 0x0d);
      else if (esc == 0x62) store<u8>(d++, 0x08);
      else if (esc == 0x66) store<u8>(d++, 0x0c);
      else if (esc == 0x22 || esc == 0x5c || esc == 0x2f) store<u8>(d++, <u8>esc);
      else if (esc == 0x75) {
        if (q + 4 > e) return 0;
        let cp: u32 = 0;
        for (let i = 0; i < 4; i++) { const h = hexv(load<u8>(q + i)); if (h < 0) return 0; cp = (cp << 4) | <u32>h; }
        q += 4;
        if (cp >= 0xd800 && cp < 0xdc00 && q + 6 <= e && load<u8>(q) == 0x5c && load<u8>(q + 1) == 0x75) {
          let lo: u32 = 0;
          let ok = true;
          for (let i = 0; i < 4; i++) { const h = hexv(load<u8>(q + 2 + i)); if (h < 0) { ok = false; break; } lo = (lo << 4) | <u32>h; }
          if (ok && lo >= 0xdc00 && lo < 0xe000) { cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00); q += 6; }
        }
        d = putUtf8(d, cp);
      } else return 0;
    }
    return mkString(buf, <u32>(d - buf));
  }
  if (c == 0x7b) { // object, or a Rego set literal {a, b}
    p = ws(p + 1, end);
    if (p < end && load<u8>(p) == 0x7d) { pos = p + 1; return mkColl(T_OBJECT, 4); }
    pos = p;
    let first = parseKey(end, regoSyntax);
    if (first == 0) return 0;
    p = ws(pos, end);
    if (regoSyntax && p < end && load<u8>(p) != 0x3a) {
      const s = mkColl(T_SET, 4);
      setAdd(s, first);
      while (true) {
        if (p >= end) return 0;
        const ch = load<u8>(p);
        if (ch == 0x7d) { pos = p + 1; return s; }
        if (ch != 0x2c) return 0;
        pos = p + 1;
        const v = parseValue(end, regoSyntax);
        if (v == 0) return 0;
        setAdd(s, v);
        p = ws(pos, end);
      }
    }
    const o = mkColl(T_OBJECT, 8);
    while (true) {
      if (p >= end || load<u8>(p) != 0x3a) return 0;
      pos = p + 1;
      const v = parseValue(end, regoSyntax);
      if (v == 0) return 0;
      putParsed(o, first, v);
      p = ws(pos, end);
      if (p >= end) return 0;
      const ch = load<u8>(p);
      if (ch == 0x7d) { pos = p + 1; return o; }
      if (ch != 0x2c) return 0;
      pos = p + 1;
      first = parseKey(end, regoSyntax);
      if (first == 0) return 0;
      p = ws(pos, end);
    }
  }
  if (c == 0x5b) { // array
    const a = mkColl(T_ARRAY, 8);
    p = ws(p + 1, end);
    if (p < end && load<u8>(p) == 0x5d) { pos = p + 1; return a; }
    pos = p;
    while (true) {
      const v = parseValue(end, regoSyntax);
      if (v == 0) return 0;
      arrPush(a, v);
      p = ws(pos, end);
      if (p >= end) return 0;
      const ch = load<u8>(p);
      if (ch == 0x5d) { pos = p + 1; return a; }
      if (ch != 0x2c) return 0;
      pos = p + 1;
    }
  }
  if (c == 0x2d || (c >= 0x30 && c <= 0x39)) {
    const s = p;
    let simpleInt = true;
    let digits = 0;
    // Integers (the usual case) are accumulated as they are scanned: exact below 2^53.
    let value: f64 = 0;
    const negative = c == 0x2d;
    if (negative) p++;
    while (p < end) {
      const ch = load<u8>(p);
      if (ch >= 0x30 && ch <= 0x39) { value = value * 10 + <f64>(ch - 0x30); digits++; p++; continue; }
      if (ch == 0x2e || ch == 0x65 || ch == 0x45 || ch == 0x2b || ch == 0x2d) { simpleInt = false; p++; continue; }
      break;
    }
    if (digits == 0) return 0;
    pos = p;
    // Keep the text when the double may not print back identically.
    if (simpleInt && digits <= 15) return mkNumber(negative ? -value : value);
    return mkNumberRaw(parseNumberText(s, p), s, <u32>(p - s));
  }
  // Literals last: inputs hold far more numbers than true, false and null.
  if (c == 0x74 && p + 4 <= end && load<u32>(p) == 0x65757274) { pos = p + 4; return mkBool(true); }
  if (c == 0x66 && p + 5 <= end && load<u32>(p + 1) == 0x65736c61) { pos = p + 5; return mkBool(false); }
  if (c == 0x6e && p + 4 <= end && load<u32>(p) == 0x6c6c756e) { pos = p + 4; return mkNull(); }
  if (regoSyntax && c == 0x73 && p + 5 <= end && load<u32>(p) == 0x28746573 && load<u8>(p + 4) == 0x29) {
    pos = p + 5; return mkColl(T_SET, 4);
  }
  return 0;
}

export function parseJson(ptr: usize, len: usize, regoSyntax: bool): usize {
  const outer = pos;
  pos = ptr;
  const v = parseValue(ptr + len, regoSyntax);
  const rest = ws(pos, ptr + len);
  pos = outer;
  if (v == 0 || rest != ptr + len) return 0;
  return v;
}

// ---- dumping: size first, then write, so the output is one contiguous allocation ----

@inline function hexDigit(n: u32): u8 { return <u8>(n < 10 ? 0x30 + n : 0x61 + n - 10); }

function numberText(v: usize, buf: usize): u32 {
  // Writes ASCII into buf (>= 64 bytes); returns length.
  const raw = numRaw(v);
  if (raw != 0) { const n = load<u32>(v, 4); memory.copy(buf, raw, n); return n; }
  const f = numOf(v);
  if (f == Math.floor(f) && Math.abs(f) < 9.007199254740992e15) {
    let x = <i64>f;
    let neg = x < 0;
    if (neg) x = -x;
    let tmp = buf + 40;
    let n: u32 = 0;
    do { store<u8>(tmp - (++n), <u8>(0x30 + <u32>(x % 10))); x /= 10; } while (x > 0);
    let o: u32 = 0;
    if (neg) { store<u8>(buf, 0x2d); o = 1; }
    memory.copy(buf + o, tmp - n, n);
    return n + o;
  }
  const wbuf = buf + 64;
  const n = dtoa_buffered(wbuf, f);
  for (let i: u32 = 0; i < n; i++) store<u8>(buf + i, <u8>load<u16>(wbuf + (<usize>i << 1)));
  return n;
}

function strSize(p: usize, n: u32): u32 {
  let i: u32 = 0;
  while (i + 8 <= n && specialBytes(load<u64>(p + i)) == 0) i += 8;
  let size: u32 = 2 + i;
  for (; i < n; i++) {
    const c = load<u8>(p + i);
    if (c == 0x22 || c == 0x5c || c == 0x0a || c == 0x09 || c == 0x0d) size += 2;
    else if (c < 0x20) size += 6;
    else size += 1;
  }
  return size;
}

function strWrite(d: usize, p: usize, n: u32): usize {
  store<u8>(d++, 0x22);
  let i: u32 = 0;
  while (i + 8 <= n) {
    const run = load<u64>(p + i);
    if (specialBytes(run) != 0) break;
    store<u64>(d, run);
    d += 8;
    i += 8;
  }
  for (; i < n; i++) {
    const c = load<u8>(p + i);
    if (c == 0x22 || c == 0x5c) { store<u8>(d++, 0x5c); store<u8>(d++, c); }
    else if (c == 0x0a) { store<u8>(d++, 0x5c); store<u8>(d++, 0x6e); }
    else if (c == 0x09) { store<u8>(d++, 0x5c); store<u8>(d++, 0x74); }
    else if (c == 0x0d) { store<u8>(d++, 0x5c); store<u8>(d++, 0x72); }
    else if (c < 0x20) {
      store<u8>(d++, 0x5c); store<u8>(d++, 0x75); store<u8>(d++, 0x30); store<u8>(d++, 0x30);
      store<u8>(d++, hexDigit(c >> 4)); store<u8>(d++, hexDigit(c & 15));
    } else store<u8>(d++, c);
  }
  store<u8>(d++, 0x22);
  return d;
}

// A scratch area for number text; allocated per dump call.
function dumpSize(v: usize, rego: bool, scratch: usize, asKey: bool): u32 {
  switch (tagOf(v)) {
    case T_NULL: return asKey ? 6 : 4;
    case T_BOOL: return (boolOf(v) ? 4 : 5) + (asKey ? 2 : 0);
    case T_NUMBER: return numberText(v, scratch) + (asKey ? 2 : 0);
    case T_STRING: return strSize(strPtr(v), strLen(v));
    case T_ARRAY: case T_SET: {
      const n = collLen(v);
      if (asKey) { // non-string key: dump as JSON then quote the text
        return 2 + dumpSize(v, rego, scratch, false) * 2;
      }
      if (rego && tagOf(v) == T_SET && n == 0) return 5;
      let s: u32 = 2 + (n > 0 ? n - 1 : 0);
      for (let i: u32 = 0; i < n; i++) s += dumpSize(arrAt(v, i), rego, scratch, false);
      return s;
    }
    case T_OBJECT: {
      if (asKey) return 2 + dumpSize(v, rego, scratch, false) * 2;
      const n = collLen(v);
      let s: u32 = 2 + (n > 0 ? n - 1 : 0) + n;
      for (let i: u32 = 0; i < n; i++) {
        const k = objKey(v, i);
        s += dumpSize(k, rego, scratch, !rego && tagOf(k) != T_STRING) + dumpSize(objVal(v, i), rego, scratch, false);
      }
      return s;
    }
  }
  return 0;
}

function dumpWrite(d: usize, v: usize, rego: bool, scratch: usize, asKey: bool): usize {
  const tag = tagOf(v);
  if (asKey && tag != T_STRING) {
    // A non-string object key in JSON: its JSON text, as a string.
    const tmp = alloc(<usize>dumpSize(v, rego, scratch, false));
    const e = dumpWrite(tmp, v, rego, scratch, false);
    return strWrite(d, tmp, <u32>(e - tmp));
  }
  switch (tag) {
    case T_NULL: store<u32>(d, 0x6c6c756e); return d + 4;
    case T_BOOL:
      if (boolOf(v)) { store<u32>(d, 0x65757274); return d + 4; }
      store<u32>(d, 0x736c6166); store<u8>(d + 4, 0x65); return d + 5;
    case T_NUMBER: { const n = numberText(v, scratch); memory.copy(d, scratch, n); return d + n; }
    case T_STRING: return strWrite(d, strPtr(v), strLen(v));
    case T_ARRAY: case T_SET: {
      const n = collLen(v);
      const isSet = tag == T_SET;
      if (rego && isSet && n == 0) { store<u32>(d, 0x28746573); store<u8>(d + 4, 0x29); return d + 5; }
      store<u8>(d++, rego && isSet ? 0x7b : 0x5b);
      for (let i: u32 = 0; i < n; i++) {
        if (i > 0) store<u8>(d++, 0x2c);
        d = dumpWrite(d, arrAt(v, i), rego, scratch, false);
      }
      store<u8>(d++, rego && isSet ? 0x7d : 0x5d);
      return d;
    }
    case T_OBJECT: {
      const n = collLen(v);
      store<u8>(d++, 0x7b);
      for (let i: u32 = 0; i < n; i++) {
        if (i > 0) store<u8>(d++, 0x2c);
        const k = objKey(v, i);
        d = dumpWrite(d, k, rego, scratch, !rego && tagOf(k) != T_STRING);
        store<u8>(d++, 0x3a);
        d = dumpWrite(d, objVal(v, i), rego, scratch, false);
      }
      store<u8>(d++, 0x7d);
      return d;
    }
  }
  return d;
}

/**
 * NUL-terminated text of the result set [{"result": v}], or [] when v is undefined (0): the same
 * text as dumping that set, without building it (opa_eval's answer on every evaluation).
 */
export function dumpResultSet(v: usize, rego: bool): usize {
  if (v == 0) {
    const out = alloc(3);
    store<u8>(out, 0x5b); store<u8>(out + 1, 0x5d); store<u8>(out + 2, 0);
    return out;
  }
  const scratch = alloc(128);
  const size = dumpSize(v, rego, scratch, false);
  const out = alloc(<usize>size + 14);
  // [{"result":
  store<u64>(out, 0x6c75736572227b5b); store<u16>(out + 8, 0x2274); store<u8>(out + 10, 0x3a);
  let end = dumpWrite(out + 11, v, rego, scratch, false);
  store<u8>(end, 0x7d); store<u8>(end + 1, 0x5d); store<u8>(end + 2, 0);
  return out;
}

/** NUL-terminated JSON (or Rego syntax) text of v. */
export function dumpValue(v: usize, rego: bool): usize {
  const scratch = alloc(128);
  const size = dumpSize(v, rego, scratch, false);
  const out = alloc(<usize>size + 1);
  const end = dumpWrite(out, v, rego, scratch, false);
  store<u8>(end, 0);
  return out;
}
