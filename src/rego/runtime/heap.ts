// Bump allocator over the host's memory. The SDK rewinds the heap between evaluations
// (opa_heap_ptr_set), so nothing is ever freed individually; AssemblyScript's own
// allocator is never used (its heap would collide with this one).

let heapTop: usize = (__heap_base + 7) & ~7;

export function heapGet(): usize { return heapTop; }
export function heapSet(p: usize): void { heapTop = p; }

/**
 * Memory size in bytes as last read. Memory never shrinks, so below it no check is needed; the
 * host grows memory too, so above it the size is read again before growing.
 */
let knownLimit: usize = 0;

export function alloc(n: usize): usize {
  const p = (heapTop + 7) & ~(<usize>7);
  const end = p + n;
  if (end > knownLimit) {
    let limit = (<usize>memory.size()) << 16;
    if (end > limit) {
      const pages = <i32>((end - limit + 0xffff) >> 16);
      if (memory.grow(pages) < 0) abortWith("out of memory");
      limit = (<usize>memory.size()) << 16;
    }
    knownLimit = limit;
  }
  heapTop = end;
  return p;
}

@external("env", "opa_abort")
declare function opa_abort(msg: usize): void;

/** Abort with a constant AssemblyScript string (static data, UTF-16) converted to a C string. */
export function abortWith(msg: string): void {
  const n = <usize>msg.length;
  const p = heapTop;
  const limit = (<usize>memory.size()) << 16;
  if (p + n + 1 > limit) memory.grow(1);
  for (let i: usize = 0; i < n; i++) store<u8>(p + i, <u8>msg.charCodeAt(<i32>i));
  store<u8>(p + n, 0);
  opa_abort(p);
  unreachable();
}

/** Abort with a NUL-terminated message already in memory (compiler constants). */
export function abortPtr(msg: usize): void {
  opa_abort(msg);
  unreachable();
}
