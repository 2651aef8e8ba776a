import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy } from '../../src/rego/build.ts';
import { RegoCompileError } from '../../src/rego/ast.ts';
import { MAX_NESTING } from '../../src/rego/parser.ts';

const compile = (text: string) => compilePolicy([{ file: 'deep.rego', text }], { entrypoints: ['p/x'] });

for (const [open, close] of [['[', ']'], ['(', ')'], ['{', '}']] as const) {
  test(`100,000 nested ${open}${close}: a located refusal, not a stack overflow`, () => {
    const n = 100_000;
    assert.throws(() => compile(`package p\nx := ${open.repeat(n)}1${close.repeat(n)}\n`), (err: unknown) => {
      assert.ok(err instanceof RegoCompileError, `got ${String(err)}`);
      assert.match(err.message, new RegExp(`^deep\\.rego:2:${6 + MAX_NESTING}: unsupported: nesting deeper than ${MAX_NESTING} levels .* is outside the agentbus Rego subset$`));
      return true;
    });
  });
}

test('long operator chains and unary minus count as nesting too', () => {
  for (const text of [`package p\nx := ${Array(100_000).fill('1').join(' + ')}\n`, `package p\nx := ${'-'.repeat(100_000)}1\n`]) {
    assert.throws(() => compile(text), (err: unknown) => err instanceof RegoCompileError && /nesting deeper than/.test(err.message));
  }
});

test('nesting just under the limit builds through every stage', () => {
  const n = MAX_NESTING - 2;
  const { wasm } = compile(`package p\nx := ${'['.repeat(n)}1${']'.repeat(n)}\n`);
  assert.ok(wasm.length > 0);
});
