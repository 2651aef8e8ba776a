// What a `with` modifier replaces: input, or base data at a constant path. Rules, packages holding
// rules, functions and built-ins are outside the subset (replacing a rule's value would need the
// rules' own values merged in).
import { unsupported, type Term } from './ast.ts';
import type { TreeNode } from './rule-tree.ts';
import type { ModuleScope } from './scope.ts';

export interface WithTarget {
  readonly root: 'input' | 'data';
  /** Constant keys below the root (empty: the whole document). */
  readonly path: readonly string[];
}

export function withTarget(t: Term, scope: ModuleScope, tree: TreeNode): WithTarget {
  const head = t.type === 'ref' ? t.head : t;
  const tail = t.type === 'ref' ? t.path : [];
  if (head.type !== 'var' || scope.isVar(head.name) || tail.some((p) => p.type !== 'string')) throw unsupported(t.loc, '`with` on anything but input or data at a constant path');
  const abs = [...(scope.resolveName(head.name) ?? [head.name]), ...tail.map((p) => (p as { value: string }).value)];
  if (abs[0] === 'input') return { root: 'input', path: abs.slice(1) };
  if (abs[0] !== 'data') throw unsupported(t.loc, '`with` on a function or built-in');
  let node = tree;
  for (const seg of abs.slice(1)) {
    const child = node.children.get(seg);
    if (!child) return { root: 'data', path: abs.slice(1) };
    if (child.group) break;
    node = child;
  }
  throw unsupported(t.loc, '`with` on a rule or on a package holding rules');
}
