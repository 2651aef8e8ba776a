// The rule tree: every rule group and package at its path under `data` (refs into data resolve
// against it), with rule-group consistency (one kind, one arity, one default) checked as it is built.
import { RegoCompileError, type Module, type Rule } from './ast.ts';

export interface RuleGroup {
  readonly path: readonly string[];
  readonly kind: Rule['kind'];
  readonly rules: Rule[];
  readonly defaultRule: Rule | null;
  readonly module: Module;
  /** Function arity (functions only). */
  readonly arity: number;
}

export interface TreeNode {
  group: RuleGroup | null;
  readonly children: Map<string, TreeNode>;
  /** Below a package, on the path of a ref-head rule (`a.b.c := 1` makes `a` and `a.b`): a document a body can name. */
  refHead?: boolean;
}

export function buildRuleTree(modules: readonly Module[]): TreeNode {
  const root: TreeNode = { group: null, children: new Map() };
  const groups = new Map<string, { kind: Rule['kind']; rules: Rule[]; def: Rule | null; module: Module; arity: number }>();
  for (const m of modules) {
    for (const r of m.rules) {
      const path = [...m.packagePath, r.name];
      const key = path.join('.');
      let g = groups.get(key);
      if (!g) {
        g = { kind: r.kind, rules: [], def: null, module: m, arity: r.args.length };
        groups.set(key, g);
      }
      if (g.kind !== r.kind) {
        throw new RegoCompileError(r.loc, 'rule kinds', `rego_type_error: conflicting rules data.${key} found (mixes ${g.kind} and ${r.kind})`);
      }
      if (r.kind === 'function' && r.args.length !== g.arity) {
        throw new RegoCompileError(r.loc, 'function arity', `rego_type_error: function data.${key} has arity ${r.args.length} and ${g.arity}`);
      }
      if (r.isDefault) {
        if (g.def) throw new RegoCompileError(r.loc, 'default', `rego_type_error: multiple default rules data.${key} found`);
        g.def = r;
      } else g.rules.push(r);
    }
  }
  // Every package exists as a (possibly empty) document, even without rules.
  for (const m of modules) {
    let node = root;
    for (const seg of m.packagePath) {
      let child = node.children.get(seg);
      if (!child) { child = { group: null, children: new Map() }; node.children.set(seg, child); }
      node = child;
    }
  }
  for (const [key, g] of groups) {
    const path = key.split('.');
    const packageDepth = g.module.packagePath.length;
    let node = root;
    for (const [depth, seg] of path.entries()) {
      if (depth > packageDepth && depth < path.length) node.refHead = true;
      if (node.group) throw new RegoCompileError(g.rules[0]?.loc ?? g.def!.loc, 'rule/package overlap', `rego_type_error: rule data.${path.join('.')} conflicts with rule at a prefix of its path`);
      let child = node.children.get(seg);
      if (!child) { child = { group: null, children: new Map() }; node.children.set(seg, child); }
      node = child;
    }
    if (node.children.size > 0) throw new RegoCompileError(g.rules[0]?.loc ?? g.def!.loc, 'rule/package overlap', `rego_type_error: rule data.${key} conflicts with a package of the same path`);
    node.group = { path, kind: g.kind, rules: g.rules, defaultRule: g.def, module: g.module, arity: g.arity };
  }
  return root;
}

export function lookupNode(root: TreeNode, path: readonly string[]): TreeNode | null {
  let node: TreeNode | undefined = root;
  for (const seg of path) {
    node = node.children.get(seg);
    if (!node) return null;
  }
  return node;
}
