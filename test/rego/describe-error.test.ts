import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describePolicyError } from '../../src/rego/describe-error.ts';
import { compilePolicy } from '../../src/rego/build.ts';
import { loadPolicySync } from '../../src/rego/sdk.ts';

test('the message of what the SDK throws is kept: plain objects, strings, Errors', () => {
  assert.equal(describePolicyError({ message: 'not implemented: built-in function 0: json.match_schema' }), 'not implemented: built-in function 0: json.match_schema');
  assert.equal(describePolicyError('module0.rego:3:1: eval_conflict_error: complete rules must not produce multiple outputs'), 'module0.rego:3:1: eval_conflict_error: complete rules must not produce multiple outputs');
  assert.equal(describePolicyError(new RangeError('out of bounds')), 'out of bounds');
  assert.equal(describePolicyError({ code: 7 }), '{"code":7}');
});

test('a built-in the SDK lacks: the real SDK error reads as its message, never [object Object]', () => {
  const { wasm } = compilePolicy([{ file: 'p.rego', text: 'package p\nx := no_such.builtin(1)\n' }], { entrypoints: ['p/x'], hostBuiltins: { 'no_such.builtin': 1 } });
  const policy = loadPolicySync(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>));
  let thrown: unknown;
  try { policy.evaluate({}); } catch (error) { thrown = error; }
  assert.notEqual(thrown, undefined, 'the evaluation must fail');
  assert.equal(String(thrown), '[object Object]', 'the SDK throws a plain object (what this helper exists for)');
  assert.match(describePolicyError(thrown), /not implemented: built-in function \d+: no_such\.builtin/);
});
