// End to end through the official SDK: the semantics the issue says must be exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evalRego, valueOf } from './compile-helpers.ts';
import { compilePolicy } from '../../src/rego/build.ts';
import { loadPolicySync } from '../../src/rego/sdk.ts';

test('undefined propagates; default applies only when no body produced a value', () => {
  const src = 'package t\ndefault p := "d"\np := input.x if input.x > 1\nq := input.missing.deeper\n';
  assert.equal(valueOf(src, 't/p', { x: 5 }), 5);
  assert.equal(valueOf(src, 't/p', { x: 0 }), 'd');
  assert.equal(valueOf(src, 't/p', {}), 'd');
  assert.deepEqual(evalRego(src, 't/q', {}), []);
});

test('conflicting complete values abort with the conflict error', () => {
  const src = 'package t\np := 1 if input.a\np := 2 if input.b\n';
  assert.equal(valueOf(src, 't/p', { a: true }), 1);
  assert.throws(() => evalRego(src, 't/p', { a: true, b: true }), /test\.rego:\d+:\d+: eval_conflict_error: complete rules must not produce multiple outputs/);
});

test('cross-type ordering and equality; 1 == 1.0; / yields floats', () => {
  const src = `package t
order := sort([{"a": 1}, "s", 2, null, [1], false, {3}])
eq := [1 == 1.0, 1 == "1", [1, 2] == [1, 2], {1, 2} == {2, 1}]
div := 7 / 2
`;
  assert.deepEqual(valueOf(src, 't/order'), [null, false, 2, 's', [1], { a: 1 }, [3]]);
  assert.deepEqual(valueOf(src, 't/eq'), [true, false, true, true]);
  assert.equal(valueOf(src, 't/div'), 3.5);
});

test('count of a string counts code points, not bytes', () => {
  assert.equal(valueOf('package t\nn := count(input.s)\n', 't/n', { s: 'héllo 👋' }), 7);
});

test('partial sets dedupe and sort; partial objects; functions; else; not; every; comprehensions', () => {
  const src = `package t
s contains x if { some x in input.xs }
o[k] := v if { some k, v in input.m; v > 1 }
f(x) := x * 2
g(x) := "big" if x > 10 else := "small"
neg if not input.flag
all_pos if every x in input.xs { x > 0 }
comp := {k: n | some k, n in input.m; n != 1}
sq := [y | some x in input.xs; y := f(x)]
`;
  const input = { xs: [3, 1, 3, 2], m: { a: 1, b: 2, c: 3 }, flag: false };
  assert.deepEqual(valueOf(src, 't/s', input), [1, 2, 3]);
  assert.deepEqual(valueOf(src, 't/o', input), { b: 2, c: 3 });
  assert.deepEqual(valueOf(src, 't/sq', input), [6, 2, 6, 4]);
  assert.deepEqual(valueOf(src, 't/comp', input), { b: 2, c: 3 });
  assert.equal(valueOf('package t\nf(x) := x * 2\np := f(21)\n', 't/p'), 42);
  assert.deepEqual(valueOf('package t\ng(x) := "big" if x > 10 else := "small"\np := [g(11), g(1)]\n', 't/p'), ['big', 'small']);
  assert.equal(valueOf('package t\np if not input.xs[_] == 3\n', 't/p', { xs: [1, 3] }), undefined);
  assert.equal(valueOf('package t\np if not input.xs[_] == 3\n', 't/p', { xs: [1, 2] }), true);
  assert.equal(valueOf(src, 't/neg', input), true);
  assert.equal(valueOf(src, 't/all_pos', input), true);
  assert.equal(valueOf(src, 't/all_pos', { xs: [1, -1] }), undefined);
});

test('set operators and membership', () => {
  const src = 'package t\np := [({1, 2} | {3}), {1, 2} & {2, 3}, {1, 2} - {2}]\nq if 2 in input.xs\n';
  assert.deepEqual(valueOf(src, 't/p'), [[1, 2, 3], [2], [1]]);
  assert.equal(valueOf(src, 't/q', { xs: [1, 2] }), true);
  assert.equal(valueOf(src, 't/q', { xs: [1] }), undefined);
});

test('native string built-ins and glob.match', () => {
  const src = `package t
p := [startswith("agentbus", "agent"), endswith("x.rego", ".rego"), contains("abc", "b"), lower("AbC"), upper("a"),
  concat("/", ["a", "b"]), split("a.b.c", "."), trim_space("  x "), object.get({"a": 1}, "b", 0), array.concat([1], [2]),
  max([1, 3, 2]), min({4, 5}), sum([1, 2.5])]
g := [glob.match("*.acme.com", ["."], "api.acme.com"), glob.match("*.acme.com", ["."], "a.b.acme.com"),
  glob.match("**.acme.com", ["."], "a.b.acme.com"), glob.match("agent-?", [], "agent-7"), glob.match("[a-c]x", [], "bx"),
  glob.match("[!a-c]x", [], "bx"), glob.match("{cat,dog}s", [], "dogs"), glob.match("a\\\\*", [], "a*")]
`;
  assert.deepEqual(valueOf(src, 't/p'), [true, true, true, 'abc', 'A', 'a/b', ['a', 'b', 'c'], 'x', 0, [1, 2], 3, 4, 3.5]);
  assert.deepEqual(valueOf(src, 't/g'), [true, false, true, true, true, false, true, true]);
});

test('sprintf and time.now_ns go through the host (opa_builtinN)', () => {
  assert.equal(valueOf('package t\np := sprintf("%s=%d", ["n", 5])\n', 't/p'), 'n=5');
});

test('JSON round-trips exactly: escapes, unicode, big and precise numbers', () => {
  const input = { s: 'quote" back\\ nl\n tab\t \u0001 é 👋', big: 12345678901234567890, f: 0.1, e: 1e300, neg: -0.5 };
  assert.deepEqual(valueOf('package t\np := input\n', 't/p', input), input);
});

test('never a wrong answer: inexact arithmetic and imprecise comparisons refuse instead of guessing', () => {
  assert.throws(() => valueOf('package t\np := input.a + input.b\n', 't/p', { a: 0.1, b: 0.2 }), /not exact in double precision/);
  assert.equal(valueOf('package t\np := input.a + input.b\n', 't/p', { a: 0.5, b: 0.25 }), 0.75);
  const text = 'package t\neq if input.a == input.b\nlt if input.b < input.a\n';
  // JavaScript numbers would round these; hand the SDK the exact JSON text instead.
  const bytes = (json: string) => new TextEncoder().encode(json).buffer;
  assert.equal(valueOf(text, 't/eq', bytes('{"a": 9007199254740993, "b": 9007199254740992}')), undefined);
  assert.equal(valueOf(text, 't/lt', bytes('{"a": 9007199254740993, "b": 9007199254740992}')), true);
  assert.throws(() => valueOf('package t\np := input.a == input.b\n', 't/p', bytes('{"a": 0.10000000000000000001, "b": 0.1}')), /beyond double precision/);
});

test('cached input/data refs: same answers whether a ref is first met in a skipped block, a scan, a negation or is undefined', () => {
  const text = `package t
deny contains "neg" if { not input.m.flag; input.m.n > 0 }
deny contains x if { some x in input.m.items; x != input.m.skip; x != data.cfg.skip }
deny contains "late" if { input.m.later == data.cfg.later }
deny contains "undefined twice" if { input.m.missing.deep == 1 }
deny contains "undefined twice" if { not input.m.missing.deep }
`;
  const run = (input: unknown) => valueOf(text, 't/deny', input, { cfg: { skip: 'b', later: 7 } });
  assert.deepEqual(run({ m: { n: 1, items: ['a', 'b', 'c'], skip: 'c', later: 7 } }), ['a', 'late', 'neg', 'undefined twice']);
  assert.deepEqual(run({ m: { flag: true, n: 1, items: [], later: 8 } }), ['undefined twice']);
  assert.deepEqual(run({ m: { n: 2, items: ['d', 'b'], skip: 'x', missing: { deep: 1 } } }), ['d', 'neg', 'undefined twice']);
  assert.deepEqual(run(undefined), ['undefined twice']);
});

test('property: lookups with constant keys stay exact whatever shape the previous documents had (per-site hints)', async () => {
  const fc = (await import('fast-check')).default;
  const text = 'package t\np := [input.k, input.m.k, object.get(input, "k", "none")]\n';
  const { wasm } = compilePolicy([{ file: 't.rego', text }], { entrypoints: ['t/p'] });
  const policy = loadPolicySync(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>));
  const key = fc.constantFrom('a', 'k', 'ka', 'j', 'kk', 'm', '');
  const doc = fc.dictionary(key, fc.oneof(fc.integer(), fc.dictionary(key, fc.integer(), { maxKeys: 4 })), { maxKeys: 6 });
  fc.assert(fc.property(fc.array(doc, { minLength: 1, maxLength: 8 }), (docs) => {
    // One instance, documents of varying shapes in a row: hints left by one must not mislead the next.
    for (const d of docs) {
      const m = d.m !== null && typeof d.m === 'object' ? (d.m as Record<string, unknown>) : undefined;
      const want = d.k === undefined || m === undefined || m.k === undefined ? [] : JSON.parse(JSON.stringify([{ result: [d.k, m.k, d.k] }])) as unknown;
      assert.deepEqual(policy.evaluate(d), want, JSON.stringify(d));
    }
  }), { numRuns: 300 });
});
