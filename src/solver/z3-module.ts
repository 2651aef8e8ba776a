import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { init as initLowLevel, type Z3LowLevel } from 'z3-solver/build/low-level/index.js';
import { patchInvokeImports } from './fast-invoke.ts';

/**
 * Z3 start-up from a precompiled module. Compiling the 35 MB z3-solver wasm takes ~180 ms of a 200–500 ms
 * `init()`; a `WebAssembly.Module` is cloneable, so the main thread compiles it once and every solver worker
 * (including one re-created after an abort) instantiates it in 40–70 ms.
 *
 * Only the low-level API is loaded: the high-level one wraps every check in an async mutex and a pthread hop
 * (1.5 ms+) and its finalizers caused long GC pauses (research/z3.md §1).
 */

const require = createRequire(import.meta.url);

export function z3WasmPath(): string {
  return require.resolve('z3-solver/build/z3-built.wasm');
}

let compiled: Promise<WebAssembly.Module> | undefined;

/** Compiles the Z3 wasm once per process (main thread), for handing to workers through workerData. */
export function compileZ3Module(): Promise<WebAssembly.Module> {
  compiled ??= readFile(z3WasmPath()).then((bytes) => WebAssembly.compile(bytes));
  return compiled;
}

export type Z3Api = Z3LowLevel['Z3'];
export type Z3Emscripten = Z3LowLevel['em'] & Z3SyncExports;

/** An emscripten pthread worker, as far as terminating one goes. */
interface PthreadWorker {
  onmessage: ((event: unknown) => void) | null;
}

/** Synchronous exports of the emscripten module that the typed wrapper only exposes as async calls. */
export interface Z3SyncExports {
  _Z3_solver_check(ctx: number, solver: number): number;
  _Z3_solver_check_assumptions(ctx: number, solver: number, count: number, assumptionsPtr: number): number;
  _Z3_substitute(ctx: number, ast: number, count: number, fromPtr: number, toPtr: number): number;
  _Z3_simplify(ctx: number, ast: number): number;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  HEAPU32: Uint32Array;
  PThread?: { terminateAllThreads(): void; runningWorkers: PthreadWorker[]; unusedWorkers: PthreadWorker[] };
  addFunction?: (...args: unknown[]) => number;
  removeFunction?: (index: number) => void;
}

export interface Z3Instance {
  readonly Z3: Z3Api;
  readonly em: Z3Emscripten;
  /** Whether the fast exception trampolines are in use (fast-invoke.ts). */
  readonly fastInvoke: boolean;
}

export interface InstantiateOptions {
  /** Replace emscripten's exception trampolines with table-caching ones (fast-invoke.ts). Default true. */
  readonly fastInvoke?: boolean;
}

/** Instantiates Z3 from a compiled module (or compiles it here when none is given, e.g. in a script). */
export async function instantiateZ3(module?: WebAssembly.Module, options: InstantiateOptions = {}): Promise<Z3Instance> {
  const wasm = module ?? (await compileZ3Module());
  const initModule = require('z3-solver/build/z3-built.js') as Parameters<typeof initLowLevel>[0];
  let invalidate: (() => void) | undefined;
  const lowLevel = await initLowLevel(initModule, {
    instantiateWasm(imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) {
      const patch = options.fastInvoke === false ? undefined : patchInvokeImports(wasm, imports);
      invalidate = patch?.invalidate;
      void WebAssembly.instantiate(wasm, imports).then((instance) => {
        patch?.attach(instance);
        receive(instance, wasm);
      });
      return {};
    },
  });
  const em = lowLevel.em as Z3Emscripten;
  if (invalidate !== undefined) {
    // The cached table entries are stale once the table changes; nothing here adds functions, but a caller might.
    for (const key of ['addFunction', 'removeFunction'] as const) {
      const original = em[key] as ((...args: unknown[]) => unknown) | undefined;
      if (original !== undefined) (em as unknown as Record<string, unknown>)[key] = (...args: unknown[]) => { invalidate?.(); return original(...args); };
    }
  }
  return { Z3: lowLevel.Z3, em, fastInvoke: invalidate !== undefined };
}

/** Stops emscripten's pthread workers; without it a thread that used Z3 never exits (z3#6512, #7070). */
export function terminateZ3Threads(instance: Z3Instance): void {
  const threads = instance.em.PThread;
  if (threads === undefined) return;
  const workers = [...threads.runningWorkers, ...threads.unusedWorkers];
  threads.terminateAllThreads();
  // A worker terminated while it was still loading posts "loaded" anyway, and emscripten's handler for a
  // terminated worker prints that to stderr ("received "loaded" command from terminated worker"): on every
  // start of a bus whose compile finished first. The message means nothing once we stopped the worker.
  for (const worker of workers) worker.onmessage = () => {};
}
