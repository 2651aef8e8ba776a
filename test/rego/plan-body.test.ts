import { test } from 'node:test';
import assert from 'node:assert/strict';
import { valueOf } from './compile-helpers.ts';
import { compilePolicy } from '../../src/rego/build.ts';
import { RegoCompileError } from '../../src/rego/ast.ts';

test('`with input as` replaces input for the literal, through rules that do not reuse the memoised value', () => {
  const policy = 'package t\nr := input.x\np := [r, y] if { y := r with input as {"x": 2} }\n';
  assert.deepEqual(valueOf(policy, 't/p', { x: 1 }), [1, 2]);
  const after = 'package t\nr := input.x\np := [y, r] if { y := r with input as {"x": 2} }\n';
  assert.deepEqual(valueOf(after, 't/p', { x: 1 }), [2, 1], 'the memo is not filled with the replaced value either');
});

test('`with input.a.b as` upserts into a copy of input; the literal after it reads the original', () => {
  const policy = 'package t\np := [v, input] if { v := input with input.a.b as 3 }\n';
  assert.deepEqual(valueOf(policy, 't/p', { a: { c: 1 }, d: 0 }), [{ a: { b: 3, c: 1 }, d: 0 }, { a: { c: 1 }, d: 0 }]);
  assert.deepEqual(valueOf('package t\np := v if { v := input with input.a as 1 with input.b as 2 }\n', 't/p', 5), { a: 1, b: 2 }, 'a non-object input becomes an object');
});

test('`with data.<base path> as` replaces base data for the literal, rules and packages included', () => {
  const policy = 'package t\nr := data.cfg.limit\np := [v, r] if { v := r with data.cfg.limit as 7 }\n';
  assert.deepEqual(valueOf(policy, 't/p', {}, { cfg: { limit: 1 } }), [7, 1]);
});

test('`with` on a rule, a package holding rules or a function is refused by name', () => {
  const refused: [string, RegExp][] = [
    ['package t\nr := 1\np if { r with data.t.r as 2 }\n', /unsupported: `with` on a rule or on a package holding rules/],
    ['package t\nr := 1\np if { r with data.t as {} }\n', /unsupported: `with` on a rule or on a package holding rules/],
    ['package t\np if { count([1]) == 1 with count as sum }\n', /unsupported: `with` on a function or built-in/],
  ];
  for (const [text, message] of refused) {
    assert.throws(() => compilePolicy([{ file: 'w.rego', text }], { entrypoints: ['t/p'] }), (e: unknown) => e instanceof RegoCompileError && message.test(e.message), text);
  }
});
