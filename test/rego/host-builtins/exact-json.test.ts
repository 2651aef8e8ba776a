import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sdkValue, exactInteger } from '../../../src/rego/host-builtins/exact-json.ts';
import { compilePolicy } from '../../../src/rego/build.ts';
import { loadPolicySync } from '../../../src/rego/sdk.ts';
import { hostBuiltinImplementations } from '../../../src/rego/host-builtins/index.ts';
import { RegoCompileError } from '../../../src/rego/ast.ts';

const text = (v: unknown): string => new TextDecoder().decode(v as ArrayBuffer);

test('a result holding an integer beyond 2^53 is written with every digit; others pass through untouched', () => {
  assert.equal(text(sdkValue([10 * 2 ** 60, { k: 2n ** 64n + 1n }])), '[11529215046068469760,{"k":18446744073709551617}]');
  const plain = { a: [1, 2.5, 'x'] };
  assert.equal(sdkValue(plain), plain);
  assert.equal(exactInteger(2n ** 62n), 2 ** 62, 'a double holds 2^62 exactly');
  assert.equal(exactInteger(2n ** 63n - 1n), 2n ** 63n - 1n);
});

function evaluate(expr: string): unknown {
  const { wasm } = compilePolicy([{ file: 'h.rego', text: `package h\nx := ${expr}\n` }], { entrypoints: ['h/x'] });
  const policy = loadPolicySync(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>), undefined, hostBuiltinImplementations);
  const rs = policy.evaluate({}) as { result: unknown }[];
  return rs.length === 0 ? undefined : rs[0]!.result;
}

test('big integers from host built-ins compare exactly with literals a double holds exactly', () => {
  // JSON.stringify would write 11529215046068470000, another integer than the literal's.
  assert.equal(evaluate('units.parse_bytes("10EiB") == 11529215046068469760'), true);
  assert.equal(evaluate('units.parse("100P") == 100000000000000000'), true);
  assert.equal(evaluate('bits.lsh(1, 62) == 4611686018427387904'), true);
  assert.throws(() => evaluate('9223372036854775807 == 1'), (e: unknown) => e instanceof RegoCompileError && /the number 9223372036854775807 beyond double precision/.test(e.message),
    'a literal no double holds is still refused');
  assert.throws(() => evaluate('100000000000000000 + 1'), /arithmetic on numbers beyond double precision is not supported/);
});
