import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy } from '../../../src/rego/build.ts';
import { loadPolicySync } from '../../../src/rego/sdk.ts';
import { hostBuiltinImplementations } from '../../../src/rego/host-builtins/index.ts';

function evaluate(rules: string, entrypoint = 'h/x'): unknown {
  const { wasm } = compilePolicy([{ file: 'h.rego', text: `package h\n${rules}\n` }], { entrypoints: [entrypoint] });
  const policy = loadPolicySync(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>), undefined, hostBuiltinImplementations);
  const rs = policy.evaluate({}) as { result: unknown }[];
  return rs.length === 0 ? undefined : rs[0]!.result;
}

test('type_name names every kind of value, sets apart from arrays', () => {
  assert.deepEqual(evaluate('x := [type_name(null), type_name(true), type_name(1.5), type_name("s"), type_name([1]), type_name({"a": 1}), type_name({1})]'),
    ['null', 'boolean', 'number', 'string', 'array', 'object', 'set']);
});

test('object.subset: objects recursively, sets by membership, arrays as a contiguous run, an array against a set as OPA counts it', () => {
  assert.equal(evaluate('x := object.subset({"a": 1, "b": {"c": {1, 2}, "d": [1, 2, 3]}}, {"b": {"c": {2}, "d": [2, 3]}})'), true);
  assert.equal(evaluate('x := object.subset({"a": 1}, {"a": 2})'), false);
  assert.equal(evaluate('x := object.subset([1, 2, 3, 4], [2, 4])'), false);
  assert.equal(evaluate('x := object.subset([1, 2, 3, 4], [3, 4])'), true);
  assert.equal(evaluate('x := object.subset([1, 1], {1, 2})'), true, 'each occurrence in the array counts (OPA)');
  assert.equal(evaluate('x := object.subset([], set())'), false, 'an empty set is a subset only of a non-empty array (OPA)');
  assert.equal(evaluate('x := object.subset({1}, [1])'), undefined, 'a set against an array is a type error');
});

test('union and intersection of a set of sets', () => {
  assert.deepEqual(evaluate('x := union({{1, 2}, {2, 3}})'), [1, 2, 3]);
  assert.deepEqual(evaluate('x := intersection({{1, 2, 3}, {2, 3, 4}, {3, 9}})'), [3]);
  assert.deepEqual(evaluate('x := intersection(set())'), []);
  assert.equal(evaluate('x := intersection({[1]})'), undefined);
});

test('array.flatten splices one level', () => {
  assert.deepEqual(evaluate('x := array.flatten([[1, [2]], 3, []])'), [1, [2], 3]);
});

test('walk is a relation: every [path, value] pair, with index, key or member as the path step', () => {
  assert.deepEqual(evaluate('x := {p | walk({"a": [7, {8}]}, [p, _])}'), [[], ['a'], ['a', 0], ['a', 1], ['a', 1, 8]]);
  assert.deepEqual(evaluate('x := [v | [_, v] := walk([1, 2]); is_number(v)]'), [1, 2]);
  assert.deepEqual(evaluate('x := {v | walk({"k": "v"}, [["k"], v])}'), ['v'], 'a pattern in the output argument selects pairs');
});

test('a set nested inside the operand of a host built-in is refused, not returned as an array', () => {
  assert.deepEqual(evaluate('x := object.union({"a": 1}, {"b": [2]})'), { a: 1, b: [2] });
  assert.throws(() => evaluate('x := object.union({"a": 1}, {"b": {2}})'), /a set inside the operand of a host built-in is not supported/);
  assert.throws(() => evaluate('x := json.remove({"a": {1}}, ["b"])'), /a set inside the operand/);
});
