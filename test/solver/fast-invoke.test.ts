import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import binaryen from 'binaryen';
import { patchInvokeImports } from '../../src/solver/fast-invoke.ts';
import { Z3CallError } from '../../src/solver/z3-session.ts';
import { useDefaultTemplateSolvers } from './solver-fixture.ts';

// The replacement exception trampolines must behave like emscripten's: a C++ exception inside Z3 (here: the
// SMT-LIB parser rejecting a script) is caught by Z3's own handler and reported as an error code, and the wasm
// stack pointer is restored every time, so thousands of them leave the instance working.

const fixture = useDefaultTemplateSolvers();

describe('fast exception trampolines (real Z3)', () => {
  it('are in use for the shipped z3-solver build', () => {
    assert.equal(fixture.z3.fastInvoke, true);
  });

  it('C++ exceptions inside Z3 still become error codes, and the instance keeps working after thousands', () => {
    const { session } = fixture;
    const solver = fixture.solvers.get('tier-quota')!;
    for (let i = 0; i < 2000; i++) {
      assert.throws(() => session.parseAssertions('(assert (> undeclared 0))', 'bad script'), (error: unknown) => error instanceof Z3CallError && /unknown constant undeclared/.test(error.message));
    }
    assert.equal(solver.check({ requested: '900', tier: '0', used0: '0', used1: '0', used2: '0' }).status, 'sat');
    assert.deepEqual(solver.check({ requested: '0', tier: '0', used0: '0', used1: '0', used2: '0' }).violated, ['positive-request']);
  });

});

/**
 * The trampoline contract on a tiny module: `run` calls table entry 1 through `invoke_vi`; that entry moves the
 * stack pointer (as a callee's frame would) and calls `thrower`, which throws what the test says.
 */
const CONTRACT_WAT = `(module
  (import "env" "invoke_vi" (func $invoke_vi (param i32 i32)))
  (import "env" "thrower" (func $thrower (param i32)))
  (table (export "__indirect_function_table") 2 funcref)
  (elem (i32.const 1) $callThrower)
  (global $sp (mut i32) (i32.const 1000))
  (global $threw (mut i32) (i32.const 0))
  (func $callThrower (param i32) (global.set $sp (i32.const 500)) (call $thrower (local.get 0)))
  (func (export "setThrew") (param i32 i32) (global.set $threw (local.get 0)))
  (func (export "emscripten_stack_get_current") (result i32) (global.get $sp))
  (func (export "_emscripten_stack_restore") (param i32) (global.set $sp (local.get 0)))
  (func (export "run") (param i32) (call $invoke_vi (i32.const 1) (local.get 0)))
  (func (export "threw") (result i32) (global.get $threw))
  (func (export "sp") (result i32) (global.get $sp)))`;

describe('fast exception trampolines: the emscripten contract', () => {
  // Same shape as emscripten's runtime_exceptions.js: C++ exceptions derive from a class named EmscriptenEH.
  class EmscriptenEH extends Error {}
  class CppException extends EmscriptenEH {}
  let throwing: unknown;

  /** `wat` with its `invoke` trampoline replaced; its `thrower` import throws `throwing` when set. */
  async function instantiate<Exports>(wat: string = CONTRACT_WAT, invoke = 'invoke_vi'): Promise<Exports> {
    const module = new WebAssembly.Module(wasmBytes(wat));
    const imports: WebAssembly.Imports = {
      env: {
        [invoke]: () => assert.fail('the original trampoline must have been replaced'),
        thrower: () => {
          if (throwing !== undefined) throw throwing;
        },
      },
    };
    const patch = patchInvokeImports(module, imports);
    assert.ok(patch, 'a module with the needed exports is patched');
    const instance = await WebAssembly.instantiate(module, imports);
    patch.attach(instance);
    return instance.exports as Exports;
  }
  type ContractExports = { run(a: number): void; threw(): number; sp(): number };

  it('a C++ exception restores the stack pointer and sets threw, and does not propagate', async () => {
    const wasm = await instantiate<ContractExports>();
    throwing = new CppException('z3_exception');
    wasm.run(0);
    assert.equal(wasm.threw(), 1);
    assert.equal(wasm.sp(), 1000);
  });

  it('any other error restores the stack pointer and propagates unchanged', async () => {
    const wasm = await instantiate<ContractExports>();
    const error = new TypeError('not a C++ exception');
    throwing = error;
    assert.throws(() => wasm.run(0), (thrown: unknown) => thrown === error);
    assert.equal(wasm.threw(), 0);
    assert.equal(wasm.sp(), 1000);
  });

  it('a normal return leaves both alone', async () => {
    const wasm = await instantiate<ContractExports>();
    throwing = undefined;
    wasm.run(0);
    assert.equal(wasm.threw(), 0);
    assert.equal(wasm.sp(), 500);
  });

  it('an i64-returning trampoline answers 0n after a C++ exception, as emscripten does (wasm rejects undefined)', async () => {
    const wasm = await instantiate<{ run(a: number): bigint; threw(): number }>(`(module
      (import "env" "invoke_ji" (func $invoke_ji (param i32 i32) (result i64)))
      (import "env" "thrower" (func $thrower (param i32)))
      (table (export "__indirect_function_table") 2 funcref)
      (elem (i32.const 1) $callThrower)
      (global $threw (mut i32) (i32.const 0))
      (func $callThrower (param i32) (result i64) (call $thrower (local.get 0)) (i64.const 42))
      (func (export "setThrew") (param i32 i32) (global.set $threw (local.get 0)))
      (func (export "emscripten_stack_get_current") (result i32) (i32.const 1000))
      (func (export "_emscripten_stack_restore") (param i32))
      (func (export "run") (param i32) (result i64) (call $invoke_ji (i32.const 1) (local.get 0)))
      (func (export "threw") (result i32) (global.get $threw)))`, 'invoke_ji');
    throwing = undefined;
    assert.equal(wasm.run(0), 42n);
    throwing = new CppException('z3_exception');
    assert.equal(wasm.run(0), 0n);
    assert.equal(wasm.threw(), 1);
  });

  it('a module without the needed exports is left alone', () => {
    const module = new WebAssembly.Module(wasmBytes('(module (import "env" "invoke_v" (func (param i32))))'));
    const invoke = () => undefined;
    const imports: WebAssembly.Imports = { env: { invoke_v: invoke } };
    assert.equal(patchInvokeImports(module, imports), undefined);
    assert.equal((imports.env as Record<string, unknown>).invoke_v, invoke);
  });
});

function wasmBytes(wat: string): Uint8Array<ArrayBuffer> {
  const module = binaryen.parseText(wat);
  try {
    return new Uint8Array(module.emitBinary());
  } finally {
    module.dispose();
  }
}
