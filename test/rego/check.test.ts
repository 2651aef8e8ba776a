import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseModule } from '../../src/rego/parser.ts';
import { buildRuleTree, lookupNode } from '../../src/rego/rule-tree.ts';
import { orderBody } from '../../src/rego/safety.ts';
import { RegoCompileError, type Literal } from '../../src/rego/ast.ts';

const body = (src: string): readonly Literal[] => parseModule(`package t\np if {\n${src}\n}`, 'b.rego').rules[0]!.body;
const isVar = (n: string): boolean => n !== 'input' && n !== 'data';

test('safety reorders literals so bindings come first', () => {
  const ordered = orderBody(body('x > 1\nx := input.y'), isVar, new Set());
  assert.deepEqual(ordered.map((l) => l.loc.line), [4, 3]);
});

test('a variable nothing binds is unsafe, reported where it is used', () => {
  assert.throws(() => orderBody(body('x > 1'), isVar, new Set()), (err: unknown) =>
    err instanceof RegoCompileError && /^b\.rego:3:1: rego_unsafe_var_error: var x is unsafe/.test(err.message));
});

test('ref iteration binds its variables', () => {
  const ordered = orderBody(body('input.a[i] == 1\ncount(input.b[i]) > 0'), isVar, new Set());
  assert.equal(ordered.length, 2);
});

test('rule tree: packages exist even without rules; rule kinds must agree', () => {
  const tree = buildRuleTree([parseModule('package a.b\np := 1\n', 'x.rego'), parseModule('package a.c\n', 'y.rego')]);
  assert.ok(lookupNode(tree, ['a', 'b', 'p'])?.group);
  assert.ok(lookupNode(tree, ['a', 'c']));
  assert.throws(() => buildRuleTree([parseModule('package a\np := 1\np contains 2\n', 'z.rego')]), /conflicting rules data\.a\.p/);
});
