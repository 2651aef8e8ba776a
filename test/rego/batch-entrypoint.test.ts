import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy } from '../../src/rego/build.ts';
import { loadPolicySync } from '../../src/rego/sdk.ts';
import { moduleEntrypoints } from '../../src/rego/bundle.ts';
import { batchEntrypoint, isBatchEntrypoint } from '../../src/rego/batch-entrypoint.ts';

// `x` is memoised (a complete rule used twice); `p` is undefined without input.v; `q` conflicts when
// input.a and input.b are both true.
const REGO = `package t
x := input.v * 10 if input.v
p := {"x": x, "again": x} if x
q := 1 if input.a
q := 2 if input.b
`;
const { wasm } = compilePolicy([{ file: 't.rego', text: REGO }], { entrypoints: ['t/p', 't/q'] });
const module = new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>);

test('every entrypoint has a batch twin after the entrypoints, left out of user-facing lists', () => {
  const map = loadPolicySync(module).entrypoints as Record<string, number>;
  assert.deepEqual(map, { 't/p': 0, 't/q': 1, 't/p#batch': 2, 't/q#batch': 3 });
  assert.deepEqual(moduleEntrypoints(module), ['t/p', 't/q']);
  assert.equal(batchEntrypoint('t/p'), 't/p#batch');
  assert.ok(isBatchEntrypoint('t/p#batch') && !isBatchEntrypoint('t/p'));
});

test('a twin answers one row per input element: {"result": v}, or {} where the entrypoint is undefined', () => {
  const policy = loadPolicySync(module);
  const inputs = [{ v: 1 }, {}, { v: 3 }, 'not an object', { v: 2 }];
  const [row] = policy.evaluate(inputs, 't/p#batch') as { result: unknown }[];
  assert.deepEqual(row!.result, [
    { result: { x: 10, again: 10 } }, {}, { result: { x: 30, again: 30 } }, {}, { result: { x: 20, again: 20 } },
  ]);
  // Each row is what the entrypoint alone gives that element (memoised values never leak between elements).
  for (const [i, input] of inputs.entries()) {
    const alone = policy.evaluate(input, 't/p') as { result: unknown }[];
    assert.deepEqual((row!.result as object[])[i], alone.length === 0 ? {} : { result: alone[0]!.result });
  }
  assert.deepEqual((policy.evaluate([], 't/p#batch') as { result: unknown }[])[0]!.result, []);
});

test('a twin is undefined for an input that is not an array, and one element\'s conflict aborts the call', () => {
  const policy = loadPolicySync(module);
  assert.deepEqual(policy.evaluate({ v: 1 }, 't/p#batch'), []);
  assert.deepEqual((policy.evaluate([{ a: true }, { b: true }], 't/q#batch') as { result: unknown }[])[0]!.result, [{ result: 1 }, { result: 2 }]);
  assert.throws(() => policy.evaluate([{ a: true }, { a: true, b: true }], 't/q#batch'), /eval_conflict_error/);
  // The instance is still usable after the abort.
  assert.deepEqual(policy.evaluate({ b: true }, 't/q'), [{ result: 2 }]);
});
