import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize } from '../../src/rego/lexer.ts';
import { RegoCompileError } from '../../src/rego/ast.ts';

test('tokens carry line, column and the line-break flag that separates body literals', () => {
  const tokens = tokenize('package a\nallow if {\n  x := "h\\u00e9" # comment\n}', 'f.rego');
  assert.deepEqual(tokens.map((t) => t.text), ['package', 'a', 'allow', 'if', '{', 'x', ':=', '"h\\u00e9"', '}', '']);
  const str = tokens[7]!;
  assert.equal(str.value, 'hé');
  assert.deepEqual(str.loc, { file: 'f.rego', line: 3, col: 8 });
  assert.equal(tokens[2]!.newlineBefore, true);
  assert.equal(tokens[3]!.newlineBefore, false);
});

test('numbers, raw strings and two-character operators', () => {
  const tokens = tokenize('1.5e3 `a\\b` != <= >= == 7', 'f');
  assert.deepEqual(tokens.slice(0, -1).map((t) => [t.kind, t.value]), [
    ['number', '1.5e3'], ['string', 'a\\b'], ['punct', '!='], ['punct', '<='], ['punct', '>='], ['punct', '=='], ['number', '7'],
  ]);
});

test('an unterminated string is a syntax error naming file:line:col', () => {
  assert.throws(() => tokenize('package a\np := "oops\n', 'bad.rego'), (err: unknown) => {
    assert.ok(err instanceof RegoCompileError);
    assert.match(err.message, /^bad\.rego:2:6: syntax error: unterminated string/);
    return true;
  });
});
