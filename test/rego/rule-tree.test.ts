import { test } from 'node:test';
import assert from 'node:assert/strict';
import { valueOf } from './compile-helpers.ts';
import { parseModule } from '../../src/rego/parser.ts';
import { buildRuleTree, lookupNode } from '../../src/rego/rule-tree.ts';

test('a ref head with constant parts puts the rule at that path, and bodies can name its prefix', () => {
  const policy = 'package t\na.b.c := 1\np.q.f(x) := x + 1\nuse := [a.b.c, a.b, p.q.f(1)]\ndoc := data.t.a\n';
  assert.deepEqual(valueOf(policy, 't/use'), [1, { c: 1 }, 2]);
  assert.deepEqual(valueOf(policy, 't/doc'), { b: { c: 1 } });
  const tree = buildRuleTree([parseModule(policy, 't.rego')]);
  assert.deepEqual(lookupNode(tree, ['t', 'a', 'b', 'c'])?.group?.path, ['t', 'a', 'b', 'c']);
  assert.equal(lookupNode(tree, ['t', 'a'])?.refHead, true);
});

test('a subpackage is not a name in its parent package (only ref-head prefixes are)', () => {
  const modules = [parseModule('package t\nx := sub if { sub := 1 }\n', 't.rego'), parseModule('package t.sub\nr := 2\n', 'sub.rego')];
  const tree = buildRuleTree(modules);
  assert.equal(lookupNode(tree, ['t', 'sub'])?.refHead, undefined);
});
