// The OPA wasm ABI (1.3) surface. The policy-specific parts (entrypoint dispatch, the
// builtins and entrypoints maps, and the key table of keys.ts) are imported from "policy" and
// replaced by the linker (src/rego/emit.ts) with generated functions.
import { alloc, heapGet, heapSet, abortWith } from "./heap";
import { parseJson, dumpValue, dumpResultSet } from "./json";
import { mkColl, T_ARRAY, T_OBJECT, T_STRING, tagOf, arrPush, collLen, arrAt, mkString } from "./value";
import { objPut, objGet, search } from "./compare";

@external("policy", "eval_entrypoint")
declare function policy_eval_entrypoint(ep: i32, input: usize, data: usize): usize;
@external("policy", "entrypoints")
declare function policy_entrypoints(): usize;
@external("policy", "builtins")
declare function policy_builtins(): usize;

export const opa_wasm_abi_version: i32 = 1;
export const opa_wasm_abi_minor_version: i32 = 3;

// ctx: [input, data, entrypoint, result]
export function opa_eval_ctx_new(): usize {
  const c = alloc(16);
  store<u32>(c, 0); store<u32>(c, 0, 4); store<u32>(c, 0, 8); store<u32>(c, 0, 12);
  return c;
}
export function opa_eval_ctx_set_input(c: usize, v: usize): void { store<u32>(c, <u32>v); }
export function opa_eval_ctx_set_data(c: usize, v: usize): void { store<u32>(c, <u32>v, 4); }
export function opa_eval_ctx_set_entrypoint(c: usize, ep: i32): void { store<u32>(c, <u32>ep, 8); }
export function opa_eval_ctx_get_result(c: usize): usize { return <usize>load<u32>(c, 12); }

/** Wraps the entrypoint's value as a result set: [{"result": v}] or [] when undefined. */
function resultSet(v: usize): usize {
  const rs = mkColl(T_ARRAY, 1);
  if (v != 0) {
    const row = mkColl(T_OBJECT, 1);
    objPut(row, resultKey(), v);
    arrPush(rs, row);
  }
  return rs;
}

/**
 * The body of an entrypoint's batch twin (`<path>#batch`, added by the linker): evaluates entrypoint
 * `ep` once per element of the input array and returns the array of rows, each `{"result": v}` or `{}`
 * when undefined, so that one SDK call (one input copy, one result parse) decides many inputs. Each
 * element goes through the entrypoint dispatch, which resets the memo: no element sees another's
 * values. An input that is not an array is undefined.
 */
export function rt_eval_each(ep: i32, input: usize, data: usize): usize {
  if (input == 0 || tagOf(input) != T_ARRAY) return 0;
  const n = collLen(input);
  const rows = mkColl(T_ARRAY, n);
  for (let i: u32 = 0; i < n; i++) {
    const v = policy_eval_entrypoint(ep, arrAt(input, i), data);
    const row = mkColl(T_OBJECT, 1);
    if (v != 0) objPut(row, resultKey(), v);
    arrPush(rows, row);
  }
  return rows;
}

function resultKey(): usize {
  const p = alloc(6);
  store<u32>(p, 0x75736572); store<u16>(p + 4, 0x746c); // "result"
  return mkString(p, 6);
}

function evalImpl(c: usize): i32 {
  const v = policy_eval_entrypoint(<i32>load<u32>(c, 8), <usize>load<u32>(c), <usize>load<u32>(c, 4));
  store<u32>(c, <u32>resultSet(v), 12);
  return 0;
}
export { evalImpl as eval };

export function builtins(): usize { return policy_builtins(); }
export function entrypoints(): usize { return policy_entrypoints(); }

export function opa_malloc(n: usize): usize { return alloc(n); }
export function opa_free(p: usize): void {}
export function opa_heap_ptr_get(): usize { return heapGet(); }
export function opa_heap_ptr_set(p: usize): void { heapSet(p); }
export function opa_json_parse(p: usize, n: usize): usize { return parseJson(p, n, false); }
export function opa_value_parse(p: usize, n: usize): usize { return parseJson(p, n, true); }
export function opa_json_dump(v: usize): usize { return dumpValue(v, false); }
export function opa_value_dump(v: usize): usize { return dumpValue(v, true); }

// With a pure bump allocator there is no free list to protect: these are correct as no-ops.
export function opa_value_free(v: usize): void {}
export function opa_heap_blocks_stash(): void {}
export function opa_heap_blocks_restore(): void {}
export function opa_heap_stash_clear(): void {}

/** Sets base[path...] = v, creating intermediate objects. Errors: 1 internal, 2 type, 3 path. */
export function opa_value_add_path(base: usize, path: usize, v: usize): i32 {
  if (tagOf(base) != T_OBJECT || tagOf(path) != T_ARRAY) return 2;
  const n = collLen(path);
  if (n == 0) return 3;
  let cur = base;
  for (let i: u32 = 0; i + 1 < n; i++) {
    const k = arrAt(path, i);
    if (tagOf(k) != T_STRING) return 2;
    let next = objGet(cur, k);
    if (next == 0) { next = mkColl(T_OBJECT, 4); objPut(cur, k, next); }
    else if (tagOf(next) != T_OBJECT) return 2;
    cur = next;
  }
  objPut(cur, arrAt(path, n - 1), v);
  return 0;
}

export function opa_value_remove_path(base: usize, path: usize): i32 {
  if (tagOf(base) != T_OBJECT || tagOf(path) != T_ARRAY) return 2;
  const n = collLen(path);
  if (n == 0) return 3;
  let cur = base;
  for (let i: u32 = 0; i + 1 < n; i++) {
    cur = objGet(cur, arrAt(path, i));
    if (cur == 0 || tagOf(cur) != T_OBJECT) return 0;
  }
  const at = search(cur, arrAt(path, n - 1), 8);
  if (at < 0) return 0;
  const len = collLen(cur);
  const items = <usize>load<u32>(cur, 12);
  memory.copy(items + (<usize>at << 3), items + (<usize>(at + 1) << 3), <usize>((len - <u32>at - 1) << 3));
  store<u32>(cur, len - 1, 4);
  return 0;
}

/** One-shot evaluation (ABI 1.2): heap := heapAddr, parse input, eval, dump. */
export function opa_eval(reserved: i32, ep: i32, data: usize, input: usize, inputLen: usize, heapAddr: usize, format: i32): usize {
  if (reserved != 0) abortWith("invalid reserved argument");
  heapSet(heapAddr);
  let inputValue: usize = 0;
  if (inputLen > 0) {
    inputValue = parseJson(input, inputLen, true);
    if (inputValue == 0) abortWith("failed to parse input");
  }
  const v = policy_eval_entrypoint(ep, inputValue, data);
  return dumpResultSet(v, format == 1);
}
