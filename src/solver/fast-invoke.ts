/**
 * Faster `invoke_*` imports for the z3-solver wasm.
 *
 * z3-solver is built with emscripten's JavaScript-based C++ exceptions: every call Z3 makes inside a `try`
 * block (most of them) leaves wasm for a JS trampoline `invoke_<sig>(index, …args)` that looks the callee up
 * in the function table and calls it in a JS `try`. The shipped build also has ASSERTIONS on, so each lookup
 * calls `WebAssembly.Table.prototype.get` twice (once for an `assert` that the mirror is current). Profiling
 * a tier-quota check showed about a quarter of its time in those lookups (`get`, `getWasmTableEntry`).
 *
 * These replacements do what emscripten's do — save the stack pointer, call the table entry, and on a C++
 * exception restore the stack and `setThrew(1, 0)` so the wasm landing pad runs; any other error propagates —
 * but read the table through a plain array filled on first use and call the raw wasm exports. The table is
 * static for our use (nothing calls `addFunction`); `Module.addFunction`/`removeFunction` are wrapped to
 * drop the cache anyway.
 *
 * Only this thread's instance is patched; emscripten's pthread workers instantiate their own copy unchanged.
 */

type WasmFunction = (...args: unknown[]) => unknown;

interface EmscriptenExports {
  readonly __indirect_function_table: WebAssembly.Table;
  readonly setThrew: (threw: number, value: number) => void;
  readonly emscripten_stack_get_current: () => number;
  readonly _emscripten_stack_restore: (sp: number) => void;
}

const REQUIRED_EXPORTS = ['__indirect_function_table', 'setThrew', 'emscripten_stack_get_current', '_emscripten_stack_restore'] as const;

/** Emscripten's C++-exception and longjmp errors derive from a class named EmscriptenEH (runtime_exceptions.js). */
function isEmscriptenUnwind(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  for (let proto = Object.getPrototypeOf(error) as object | null; proto !== null; proto = Object.getPrototypeOf(proto) as object | null) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === 'EmscriptenEH') return true;
  }
  return false;
}

export interface InvokePatch {
  /** Call with the instance as soon as it exists (before Z3 runs any code). */
  attach(instance: WebAssembly.Instance): void;
  /** Drops the cached table entries (after the table changed). */
  invalidate(): void;
}

/**
 * Replaces `imports.env.invoke_*` in place with table-caching equivalents, or returns undefined (imports
 * untouched) when the module lacks an export the replacements need, so an unexpected z3-solver build runs
 * with emscripten's own trampolines.
 */
export function patchInvokeImports(module: WebAssembly.Module, imports: WebAssembly.Imports): InvokePatch | undefined {
  const env = imports.env as Record<string, unknown> | undefined;
  const exported = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  if (env === undefined || !REQUIRED_EXPORTS.every((name) => exported.has(name))) return undefined;
  let mirror: (WasmFunction | undefined)[] = [];
  let raw: EmscriptenExports | undefined;
  const entry = (index: number): WasmFunction => {
    let fn = mirror[index];
    if (fn === undefined) {
      fn = (raw as EmscriptenExports).__indirect_function_table.get(index) as WasmFunction;
      mirror[index] = fn;
    }
    return fn;
  };
  const stack = (): number => (raw as EmscriptenExports).emscripten_stack_get_current();
  const unwound = (error: unknown, sp: number): void => {
    (raw as EmscriptenExports)._emscripten_stack_restore(sp);
    if (!isEmscriptenUnwind(error)) throw error;
    (raw as EmscriptenExports).setThrew(1, 0);
  };

  for (const name of Object.keys(env)) {
    if (!name.startsWith('invoke_')) continue;
    // Arity = signature letters after the return type (`invoke_vii` → 2). Fixed-arity closures for the common
    // cases avoid spreading arguments on every call; longer signatures use a rest parameter.
    const arity = name.length - 'invoke_'.length - 1;
    // What the trampoline returns after a C++ exception: emscripten returns 0n for an i64 result (`invoke_j…`)
    // and nothing otherwise; undefined where wasm expects an i64 would be a TypeError at the boundary.
    const failed = name['invoke_'.length] === 'j' ? 0n : undefined;
    let fast: WasmFunction;
    switch (arity) {
      case 0:
        fast = (index) => { const sp = stack(); try { return entry(index as number)(); } catch (e) { unwound(e, sp); } return failed; };
        break;
      case 1:
        fast = (index, a) => { const sp = stack(); try { return entry(index as number)(a); } catch (e) { unwound(e, sp); } return failed; };
        break;
      case 2:
        fast = (index, a, b) => { const sp = stack(); try { return entry(index as number)(a, b); } catch (e) { unwound(e, sp); } return failed; };
        break;
      case 3:
        fast = (index, a, b, c) => { const sp = stack(); try { return entry(index as number)(a, b, c); } catch (e) { unwound(e, sp); } return failed; };
        break;
      case 4:
        fast = (index, a, b, c, d) => { const sp = stack(); try { return entry(index as number)(a, b, c, d); } catch (e) { unwound(e, sp); } return failed; };
        break;
      default:
        fast = (index, ...args) => { const sp = stack(); try { return entry(index as number)(...args); } catch (e) { unwound(e, sp); } return failed; };
    }
    env[name] = fast;
  }

  return {
    attach(instance) {
      raw = instance.exports as unknown as EmscriptenExports;
    },
    invalidate() {
      mirror = [];
    },
  };
}
