// Name resolution inside one module: which bare names are variables, and which are rules,
// imports, functions or root documents. Shared by the check pass and the planner.
import type { Module, Rule, Term } from './ast.ts';
import { lookupNode, type RuleGroup, type TreeNode } from './rule-tree.ts';

/** Name resolution inside one module: variables vs rules, imports and root documents. */
export class ModuleScope {
  constructor(
    private readonly tree: TreeNode,
    readonly module: Module,
    /** Names declared as variables in the rule being planned (args, `some`, `:=`). */
    readonly declared: ReadonlySet<string>,
  ) {}

  resolveName(name: string): readonly string[] | null {
    if (this.declared.has(name)) return null;
    if (name === 'input' || name === 'data') return [name];
    const imp = this.module.imports.find((i) => i.alias === name);
    if (imp) return imp.path;
    const node = lookupNode(this.tree, [...this.module.packagePath, name]);
    if (node?.group || node?.refHead === true) return ['data', ...this.module.packagePath, name];
    return null;
  }

  isVar = (name: string): boolean => name === '_' || this.resolveName(name) === null;

  resolveFunction(name: string): RuleGroup | null {
    const parts = name.split('.');
    let abs: string[] | null = null;
    if (parts[0] === 'data') abs = parts.slice(1);
    else {
      const imp = this.module.imports.find((i) => i.alias === parts[0]);
      if (imp && imp.path[0] === 'data') abs = [...imp.path.slice(1), ...parts.slice(1)];
      else if (parts.length === 1) abs = [...this.module.packagePath, name];
      else {
        const local = lookupNode(this.tree, [...this.module.packagePath, ...parts]);
        if (local?.group) abs = [...this.module.packagePath, ...parts];
      }
    }
    if (!abs) return null;
    const node = lookupNode(this.tree, abs);
    if (!node?.group) return null;
    if (node.group.kind !== 'function') return null;
    return node.group;
  }
}

/** Names that are variables throughout a rule: args, `some` declarations, `:=` targets. */
export function declaredNames(rule: Rule): Set<string> {
  const names = new Set<string>();
  const addPattern = (t: Term): void => {
    if (t.type === 'var') names.add(t.name);
    else if (t.type === 'array') t.items.forEach(addPattern);
    else if (t.type === 'object') t.entries.forEach(([, v]) => addPattern(v));
  };
  rule.args.forEach(addPattern);
  const visitTerm = (t: Term): void => {
    switch (t.type) {
      case 'call':
        if (t.name === 'assign') addPattern(t.args[0]!);
        t.args.forEach(visitTerm);
        return;
      case 'ref': visitTerm(t.head); t.path.forEach(visitTerm); return;
      case 'array': case 'set': t.items.forEach(visitTerm); return;
      case 'object': t.entries.forEach(([k, v]) => { visitTerm(k); visitTerm(v); }); return;
      case 'arraycomp': case 'setcomp': visitTerm(t.term); t.body.forEach(visitLit); return;
      case 'objectcomp': visitTerm(t.key); visitTerm(t.value); t.body.forEach(visitLit); return;
      default: return;
    }
  };
  const visitLit = (l: Rule['body'][number]): void => {
    if (l.kind === 'some') l.vars.forEach(addPattern);
    else if (l.kind === 'somein') { if (l.key) addPattern(l.key); addPattern(l.value); visitTerm(l.collection); }
    else if (l.kind === 'every') { if (l.key) addPattern(l.key); addPattern(l.value); visitTerm(l.domain); l.body.forEach(visitLit); }
    else if (l.kind === 'with') { visitLit(l.literal); l.modifiers.forEach((m) => visitTerm(m.value)); }
    else visitTerm(l.term);
  };
  rule.body.forEach(visitLit);
  rule.elses.forEach((e) => e.body.forEach(visitLit));
  return names;
}
