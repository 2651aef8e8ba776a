import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseModule } from '../../src/rego/parser.ts';
import { checkPolicy, RegoCheckErrors } from '../../src/rego/check.ts';

test('the check pass reports every error of the policy at once, each at file:line:col', () => {
  const module = parseModule('package p\n\na if {\n  x > 1\n}\n\nb := nope.fn(1)\n\nc := count(1, 2, 3)\n', 'p.rego');
  assert.throws(() => checkPolicy([module]), (err: unknown) => {
    assert.ok(err instanceof RegoCheckErrors);
    assert.deepEqual(err.errors.map((e) => e.message), [
      'p.rego:4:3: rego_unsafe_var_error: var x is unsafe',
      'p.rego:7:6: rego_type_error: undefined function nope.fn (not in the agentbus subset)',
      'p.rego:9:6: rego_type_error: count: arity mismatch (have 3, want 1)',
    ]);
    assert.equal(err.message.split('\n').length, 3);
    return true;
  });
});

test('a sound policy passes the check, output arguments included', () => {
  const module = parseModule('package p\n\nf(a) := a + 1\n\nx if {\n  f(1, y)\n  y == 2\n}\n', 'p.rego');
  assert.doesNotThrow(() => checkPolicy([module]));
});
