import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HOST_BUILTINS } from '../../../src/rego/host-builtins/index.ts';
import { BuiltinError } from '../../../src/rego/host-builtins/registry.ts';

const remove = HOST_BUILTINS['json.remove']!.impl;
const filter = HOST_BUILTINS['json.filter']!.impl;

test('json.remove: string paths (JSON pointer escapes), segment arrays, array indexes shift left, a removed parent wins', () => {
  assert.deepEqual(remove({ a: { b: { c: 7, d: 8 } }, e: 9 }, ['a/b/c', ['e']]), { a: { b: { d: 8 } } });
  assert.deepEqual(remove({ 'x/y': 1, 'm~n': 2, k: 3 }, ['/x~1y', 'm~0n']), { k: 3 });
  assert.deepEqual(remove({ a: [{ b: 7, c: 8 }, { d: 9 }] }, ['a/0/b', 'a/1']), { a: [{ c: 8 }] });
  assert.deepEqual(remove({ a: { b: 7 }, c: 1 }, ['a/b', 'a']), { c: 1 });
  assert.deepEqual(remove({ a: [1, 2] }, [['a', 0]]), { a: [1, 2] }, 'the number 0 is not the key "0" that indexes arrays (OPA)');
});

test('json.filter keeps only the named paths', () => {
  assert.deepEqual(filter({ a: [{ b: 7, c: 8 }, { d: 9 }] }, ['a/0/b', 'a/1']), { a: [{ b: 7 }, { d: 9 }] });
  assert.deepEqual(filter({ a: { b: { c: 7, d: 8, x: 0 } }, e: 9 }, ['a/b/d', ['a', 'b', 'c']]), { a: { b: { c: 7, d: 8 } } });
  assert.deepEqual(filter({}, ['a/b']), {});
});

test('json.remove / json.filter type errors are built-in errors with OPA\'s wording', () => {
  assert.throws(() => remove('foo', ['a']), (e: unknown) => e instanceof BuiltinError && /json\.remove: operand 1 must be object but got string/.test(e.message));
  assert.throws(() => filter({}, ['a', { x: 1 }]), /operand 2 must be one of \{set, array\} containing string paths or array of path segments but got object/);
});
