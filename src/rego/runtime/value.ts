// Value model. Every value is a pointer to a tagged record in linear memory:
//   NULL   [tag]
//   BOOL   [tag, b:u32]
//   NUMBER [tag, rawLen:u32, f:f64 @8, rawPtr:u32 @16]  rawPtr != 0 keeps the JSON text (exact dump)
//   STRING [tag, len:u32, ptr:u32]                       UTF-8 bytes
//   ARRAY  [tag, len:u32, cap:u32, items:u32]             items = u32 value pointers
//   OBJECT [tag, len, cap, entries]                      entries = (key,value) pairs sorted by key
//   SET    [tag, len, cap, items]                        items sorted, unique
// Values are immutable once shared; only freshly built collections are appended to.
// The compiler lays out constant values in the same format in the data segment.
import { alloc } from "./heap";

export const T_NULL: u32 = 1;
export const T_BOOL: u32 = 2;
export const T_NUMBER: u32 = 3;
export const T_STRING: u32 = 4;
export const T_ARRAY: u32 = 5;
export const T_OBJECT: u32 = 6;
export const T_SET: u32 = 7;

@inline export function tagOf(v: usize): u32 { return load<u32>(v); }

export function mkNull(): usize { const p = alloc(4); store<u32>(p, T_NULL); return p; }
export function mkBool(b: bool): usize { const p = alloc(8); store<u32>(p, T_BOOL); store<u32>(p, b ? 1 : 0, 4); return p; }
export function mkNumber(f: f64): usize {
  const p = alloc(24); store<u32>(p, T_NUMBER); store<u32>(p, 0, 4); store<f64>(p, f, 8); store<u32>(p, 0, 16); return p;
}
export function mkNumberRaw(f: f64, raw: usize, rawLen: u32): usize {
  const p = alloc(24); store<u32>(p, T_NUMBER); store<u32>(p, rawLen, 4); store<f64>(p, f, 8); store<u32>(p, <u32>raw, 16); return p;
}
export function mkString(ptr: usize, len: u32): usize {
  const p = alloc(12); store<u32>(p, T_STRING); store<u32>(p, len, 4); store<u32>(p, <u32>ptr, 8); return p;
}
export function mkColl(tag: u32, cap: u32): usize {
  if (cap < 4) cap = 4;
  const width: u32 = tag == T_OBJECT ? 8 : 4;
  // Header and first items in one allocation; a collection that outgrows them moves its items.
  const p = alloc(16 + <usize>(cap * width));
  store<u32>(p, tag); store<u32>(p, 0, 4); store<u32>(p, cap, 8); store<u32>(p, <u32>(p + 16), 12);
  return p;
}

@inline export function boolOf(v: usize): bool { return load<u32>(v, 4) != 0; }
@inline export function numOf(v: usize): f64 { return load<f64>(v, 8); }
@inline export function numRaw(v: usize): usize { return <usize>load<u32>(v, 16); }
@inline export function strLen(v: usize): u32 { return load<u32>(v, 4); }
@inline export function strPtr(v: usize): usize { return <usize>load<u32>(v, 8); }
@inline export function collLen(v: usize): u32 { return load<u32>(v, 4); }
@inline export function collItems(v: usize): usize { return <usize>load<u32>(v, 12); }
@inline export function arrAt(v: usize, i: u32): usize { return <usize>load<u32>(collItems(v) + (<usize>i << 2)); }
@inline export function objKey(v: usize, i: u32): usize { return <usize>load<u32>(collItems(v) + (<usize>i << 3)); }
@inline export function objVal(v: usize, i: u32): usize { return <usize>load<u32>(collItems(v) + (<usize>i << 3), 4); }

/** Make room for one more item (width bytes each) in a freshly built collection. */
@inline export function ensureCap(c: usize, width: u32): void {
  if (load<u32>(c, 4) >= load<u32>(c, 8)) growItems(c, width);
}

/** Doubles a full collection's item space (the old items stay behind: the heap is a bump allocator). */
function growItems(c: usize, width: u32): void {
  const len = load<u32>(c, 4);
  const ncap = load<u32>(c, 8) * 2;
  const items = alloc(ncap * width);
  memory.copy(items, collItems(c), <usize>(len * width));
  store<u32>(c, ncap, 8);
  store<u32>(c, <u32>items, 12);
}

export function arrPush(a: usize, v: usize): void {
  ensureCap(a, 4);
  const len = collLen(a);
  store<u32>(collItems(a) + (<usize>len << 2), <u32>v);
  store<u32>(a, len + 1, 4);
}
