import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseModule } from '../../src/rego/parser.ts';
import { RegoCompileError } from '../../src/rego/ast.ts';

test('parses v1 rule forms: complete, default, contains, partial object, function, else', () => {
  const m = parseModule(`package a.b
import rego.v1
import data.lib.x as y
default allow := false
allow if input.ok == true
deny contains msg if { msg := "no" }
obj[k] := v if { some k, v in input.m }
f(x) := x + 1
g(x) := 1 if x > 0 else := 2
`, 'm.rego');
  assert.deepEqual(m.packagePath, ['a', 'b']);
  assert.deepEqual(m.imports.map((i) => [i.path.join('.'), i.alias]), [['data.lib.x', 'y']]);
  assert.deepEqual(m.rules.map((r) => [r.name, r.kind, r.isDefault]), [
    ['allow', 'complete', true], ['allow', 'complete', false], ['deny', 'partialset', false],
    ['obj', 'partialobject', false], ['f', 'function', false], ['g', 'function', false],
  ]);
  assert.equal(m.rules[5]!.elses.length, 1);
});

test('Rego v0 rule bodies (no `if`) are accepted: p { }, p[x] { } as a partial set, else { }', () => {
  const m = parseModule('package a\np { true }\nq[x] { x := 1 }\nr = 1 { false } else = 2 { true }\n', 'm.rego');
  assert.deepEqual(m.rules.map((r) => [r.name, r.kind, r.body.length, r.elses.length]), [['p', 'complete', 1, 0], ['q', 'partialset', 1, 0], ['r', 'complete', 1, 1]]);
});

test('operator precedence: arithmetic binds tighter than comparison, `in` looser', () => {
  const m = parseModule('package a\np if 1 + 2 * 3 == 7\nq if 1 + 1 in {2}\n', 'm.rego');
  const p = m.rules[0]!.body[0]!;
  assert.equal(p.kind, 'expr');
  if (p.kind !== 'expr' || p.term.type !== 'call') throw new Error('expected a call');
  assert.equal(p.term.name, 'equal');
  const lhs = p.term.args[0]!;
  assert.ok(lhs.type === 'call' && lhs.name === 'plus');
  const q = m.rules[1]!.body[0]!;
  assert.ok(q.kind === 'expr' && q.term.type === 'call' && q.term.name === 'internal.member_2');
});

test('comprehensions: `|` after the first term starts the body; inside, `|` is a union again', () => {
  const m = parseModule('package a\np := [x | some x in input.a; x > 1]\nq := {x | some x in ({1} | {2})}\n', 'm.rego');
  assert.equal(m.rules[0]!.value.type, 'arraycomp');
  assert.equal(m.rules[1]!.value.type, 'setcomp');
});

test('constructs outside the subset are rejected with file:line:col and the construct', () => {
  const cases: [string, RegExp][] = [
    ['package a\np.q[x][y] := 1\n', /m\.rego:2:7: unsupported: a nested partial object head \(ref heads\)/],
  ];
  for (const [src, re] of cases) {
    assert.throws(() => parseModule(src, 'm.rego'), (err: unknown) => err instanceof RegoCompileError && re.test(err.message));
  }
});

test('a trailing comma after the last argument of a function head or a call (opa fmt style)', () => {
  const m = parseModule('package t\n\nf(\n  a,\n  b,\n) := a + b\n\nx := f(\n  1,\n  2,\n)\n', 't.rego');
  assert.equal(m.rules[0]!.args.length, 2);
  const value = m.rules[1]!.value;
  assert.ok(value.type === 'call' && value.args.length === 2);
});

test('`not { … }` is a body under rego.v2 or future.keywords: it holds when the body has no solution', async () => {
  const { valueOf } = await import('./compile-helpers.ts');
  const policy = 'package t\nimport rego.v2\ndefault p := false\np if {\n  x := input.limit\n  not { some v in input.values; v > x }\n}\n';
  assert.equal(valueOf(policy, 't/p', { limit: 5, values: [1, 2] }), true);
  assert.equal(valueOf(policy, 't/p', { limit: 5, values: [1, 9] }), false, 'the body reads x from outside and binds v on its own');
  assert.throws(() => parseModule('package t\np if { not { input.a } }\n', 'm.rego'),
    (err: unknown) => err instanceof RegoCompileError && /m\.rego:2:12: unsupported: `not` with a body/.test(err.message), 'without the import it stays refused');
});

test('a bare `p[x]` is an element of partial set p in a v0 module, and stays refused under rego.v1', () => {
  const m = parseModule('package x\np[1]\np[2] { input.y }\np[3]', 'm.rego');
  assert.deepEqual(m.rules.map((r) => [r.kind, r.key?.type === 'number' ? r.key.value : null, r.body.length]), [['partialset', 1, 0], ['partialset', 2, 1], ['partialset', 3, 0]]);
  assert.throws(() => parseModule('package x\nimport rego.v1\np[1]\n', 'm.rego'),
    (err: unknown) => err instanceof RegoCompileError && /m\.rego:4:1: unsupported: a partial rule head `p\[x\]` without a value or body/.test(err.message));
});

test('`with` modifiers wrap the literal they follow, several in a row', () => {
  const m = parseModule('package a\np if { not input.x with input as {"x": false} with data.k as 1 }\n', 'm.rego');
  const lit = m.rules[0]!.body[0]!;
  assert.ok(lit.kind === 'with' && lit.literal.kind === 'expr' && lit.literal.negated);
  assert.equal(lit.modifiers.length, 2);
});
