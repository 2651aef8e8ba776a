// glob.match(pattern, delimiters, subject) with the semantics of gobwas/glob as OPA uses it:
// `*` stays within a segment, `**` crosses delimiters, `?` one non-delimiter character,
// `[a-z]`, `[!x]` classes, `{a,b}` alternatives (expanded up front), `\` escapes.
import { alloc } from "./heap";
import { T_STRING, T_ARRAY, T_NULL, tagOf, strPtr, strLen, collLen, arrAt } from "./value";

@inline function cpLen(b: u32): u32 { return b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4; }
function cpAt(p: usize): u32 {
  const b = <u32>load<u8>(p);
  if (b < 0x80) return b;
  if (b < 0xe0) return ((b & 0x1f) << 6) | (<u32>load<u8>(p + 1) & 0x3f);
  if (b < 0xf0) return ((b & 0x0f) << 12) | ((<u32>load<u8>(p + 1) & 0x3f) << 6) | (<u32>load<u8>(p + 2) & 0x3f);
  return ((b & 0x07) << 18) | ((<u32>load<u8>(p + 1) & 0x3f) << 12) | ((<u32>load<u8>(p + 2) & 0x3f) << 6) | (<u32>load<u8>(p + 3) & 0x3f);
}

// delimiters: a list of code points at delims[0..nd)
function isDelim(cp: u32, delims: usize, nd: u32): bool {
  for (let i: u32 = 0; i < nd; i++) if (load<u32>(delims + (<usize>i << 2)) == cp) return true;
  return false;
}

// Returns 1 match, 0 no match, -1 malformed pattern.
function matchClass(p: usize, pe: usize, cp: u32): i32 {
  // p points after '['; returns (matched ? 1 : 0) | (length consumed << 1), -1 if unterminated.
  let q = p;
  let neg = false;
  if (q < pe && load<u8>(q) == 0x21) { neg = true; q++; }
  let hit = false;
  let first = true;
  while (q < pe && (load<u8>(q) != 0x5d || first)) {
    first = false;
    let lo = cpAt(q); q += cpLen(lo < 0x80 ? lo : <u32>load<u8>(q));
    if (lo == 0x5c && q < pe) { lo = cpAt(q); q += cpLen(<u32>load<u8>(q)); }
    let hi = lo;
    if (q + 1 < pe && load<u8>(q) == 0x2d && load<u8>(q + 1) != 0x5d) {
      q++;
      hi = cpAt(q); q += cpLen(<u32>load<u8>(q));
    }
    if (cp >= lo && cp <= hi) hit = true;
  }
  if (q >= pe) return -1;
  q++; // ']'
  return <i32>(((neg ? !hit : hit) ? 1 : 0) | (<u32>(q - p) << 1));
}

function matchSimple(p: usize, pe: usize, s: usize, se: usize, delims: usize, nd: u32): i32 {
  while (p < pe) {
    const c = load<u8>(p);
    if (c == 0x2a) {
      let sup = false;
      p++;
      if (p < pe && load<u8>(p) == 0x2a) { sup = true; while (p < pe && load<u8>(p) == 0x2a) p++; }
      if (p == pe) {
        // A trailing star (`**` is the usual "anything" permission) takes the rest of the subject:
        // `**` whatever it holds, `*` unless it crosses a delimiter. The same answers as trying
        // every split below, without a call per character.
        if (sup) return 1;
        for (let k = s; k < se; k += cpLen(<u32>load<u8>(k))) if (isDelim(cpAt(k), delims, nd)) return 0;
        return 1;
      }
      let k = s;
      while (true) {
        const r = matchSimple(p, pe, k, se, delims, nd);
        if (r != 0) return r;
        if (k >= se) return 0;
        const cp = cpAt(k);
        if (!sup && isDelim(cp, delims, nd)) return 0;
        k += cpLen(<u32>load<u8>(k));
      }
    }
    if (s >= se) {
      return 0;
    }
    const cp = cpAt(s);
    const n = cpLen(<u32>load<u8>(s));
    if (c == 0x3f) {
      if (isDelim(cp, delims, nd)) return 0;
      p++; s += n; continue;
    }
    if (c == 0x5b) {
      const r = matchClass(p + 1, pe, cp);
      if (r < 0) return -1;
      if ((r & 1) == 0) return 0;
      p += 1 + (<usize>(r >> 1)); s += n; continue;
    }
    let lp = p;
    if (c == 0x5c) { lp = p + 1; if (lp >= pe) return -1; }
    const pc = cpAt(lp);
    if (pc != cp) return 0;
    p = lp + cpLen(<u32>load<u8>(lp)); s += n;
  }
  return s == se ? 1 : 0;
}

// Brace expansion, then simple matching of each alternative.
function matchBraces(p: usize, pe: usize, s: usize, se: usize, delims: usize, nd: u32): i32 {
  let q = p;
  let open: usize = 0;
  while (q < pe) {
    const c = load<u8>(q);
    if (c == 0x5c) { q += 2; continue; }
    if (c == 0x5b) { // skip classes: braces inside are literal
      q++; if (q < pe && load<u8>(q) == 0x21) q++; if (q < pe) q++;
      while (q < pe && load<u8>(q) != 0x5d) q++;
      q++; continue;
    }
    if (c == 0x7b) { open = q; break; }
    q++;
  }
  if (open == 0) return matchSimple(p, pe, s, se, delims, nd);
  // find matching close and top-level commas
  let depth = 0;
  q = open + 1;
  let altStart = q;
  let result: i32 = 0;
  let close: usize = 0;
  while (q < pe) {
    const c = load<u8>(q);
    if (c == 0x5c) { q += 2; continue; }
    if (c == 0x7b) depth++;
    else if (c == 0x7d) { if (depth == 0) { close = q; break; } depth--; }
    q++;
  }
  if (close == 0) return -1;
  q = open + 1;
  depth = 0;
  altStart = q;
  while (q <= close) {
    const c = q < close ? load<u8>(q) : 0x2c;
    if (c == 0x5c && q < close) { q += 2; continue; }
    if (c == 0x7b) depth++;
    else if (c == 0x7d) depth--;
    else if (c == 0x2c && depth == 0) {
      // candidate = prefix + alt + suffix
      const pre = open - p;
      const alt = q - altStart;
      const suf = pe - (close + 1);
      const buf = alloc(pre + alt + suf);
      memory.copy(buf, p, pre);
      memory.copy(buf + pre, altStart, alt);
      memory.copy(buf + pre + alt, close + 1, suf);
      const r = matchBraces(buf, buf + pre + alt + suf, s, se, delims, nd);
      if (r < 0) return -1;
      if (r == 1) result = 1;
      altStart = q + 1;
    }
    q++;
  }
  return result;
}

/** 1 match, 0 no match, -1 error (undefined). */
export function globMatch(pattern: usize, delimiters: usize, subject: usize): i32 {
  if (pattern == 0 || delimiters == 0 || subject == 0) return -1;
  if (tagOf(pattern) != T_STRING || tagOf(subject) != T_STRING) return -1;
  let delims: usize = 0;
  let nd: u32 = 0;
  const dt = tagOf(delimiters);
  if (dt == T_NULL) {
    nd = 0;
  } else if (dt == T_ARRAY) {
    const n = collLen(delimiters);
    if (n == 0) {
      delims = alloc(4); store<u32>(delims, 0x2e); nd = 1;
    } else {
      let total: u32 = 0;
      for (let i: u32 = 0; i < n; i++) { const d = arrAt(delimiters, i); if (tagOf(d) != T_STRING) return -1; total += strLen(d); }
      delims = alloc(<usize>total << 2);
      for (let i: u32 = 0; i < n; i++) {
        const d = arrAt(delimiters, i);
        let q = strPtr(d); const e = q + strLen(d);
        while (q < e) { store<u32>(delims + (<usize>nd << 2), cpAt(q)); nd++; q += cpLen(<u32>load<u8>(q)); }
      }
    }
  } else return -1;
  const p = strPtr(pattern);
  const s = strPtr(subject);
  return matchBraces(p, p + strLen(pattern), s, s + strLen(subject), delims, nd);
}
