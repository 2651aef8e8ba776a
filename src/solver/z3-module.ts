import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { init as initLowLevel, type Z3LowLevel } from 'z3-solver/build/low-level/index.js';

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

/** Synchronous exports of the emscripten module that the typed wrapper only exposes as async calls. */
export interface Z3SyncExports {
  _Z3_solver_check(ctx: number, solver: number): number;
  _Z3_solver_check_assumptions(ctx: number, solver: number, count: number, assumptionsPtr: number): number;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  HEAPU32: Uint32Array;
  PThread?: { terminateAllThreads(): void };
}

export interface Z3Instance {
  readonly Z3: Z3Api;
  readonly em: Z3Emscripten;
}

/** Instantiates Z3 from a compiled module (or compiles it here when none is given, e.g. in a script). */
export async function instantiateZ3(module?: WebAssembly.Module): Promise<Z3Instance> {
  const wasm = module ?? (await compileZ3Module());
  const initModule = require('z3-solver/build/z3-built.js') as Parameters<typeof initLowLevel>[0];
  const lowLevel = await initLowLevel(initModule, {
    instantiateWasm(imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) {
      void WebAssembly.instantiate(wasm, imports).then((instance) => receive(instance, wasm));
      return {};
    },
  });
  return { Z3: lowLevel.Z3, em: lowLevel.em as Z3Emscripten };
}

/** Stops emscripten's pthread workers; without it a thread that used Z3 never exits (z3#6512, #7070). */
export function terminateZ3Threads(instance: Z3Instance): void {
  instance.em.PThread?.terminateAllThreads();
}
