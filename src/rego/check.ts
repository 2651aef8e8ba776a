// The check pass: runs over the whole AST after parsing and before planning, and reports every
// problem it finds at once, each at file:line:col — rule groups that disagree (rule-tree.ts),
// calls to functions that do not exist or with the wrong number of arguments, and unsafe
// variables in rule bodies (safety.ts). The planner then works on a policy known to be sound
// at this level; what it still refuses is what the subset leaves out.
import { RegoCompileError, formatLocation, unsupported, type Literal, type Module, type Rule, type Term } from './ast.ts';
import { buildRuleTree, type TreeNode } from './rule-tree.ts';
import { orderBody, allVarsOfTerm } from './safety.ts';
import { ModuleScope, declaredNames } from './scope.ts';
import { BUILTINS } from './builtins.ts';

export interface CheckOptions {
  /** Host built-ins the embedding supplies (name → arity). */
  readonly hostBuiltins?: Readonly<Record<string, number>>;
}

export interface CheckedPolicy {
  readonly modules: readonly Module[];
  readonly tree: TreeNode;
}

/** Operators the parser produces that are not built-in calls. */
const OPERATORS: ReadonlySet<string> = new Set(['eq', 'assign', 'equal', 'neq', 'lt', 'lte', 'gt', 'gte', 'internal.member_2']);

/** One error carrying all of them: the first's place, every message on its own line. */
export class RegoCheckErrors extends RegoCompileError {
  readonly errors: readonly RegoCompileError[];
  constructor(errors: readonly RegoCompileError[]) {
    const first = errors[0]!;
    super(first.loc, first.construct, first.message.slice(formatLocation(first.loc).length + 2));
    if (errors.length > 1) this.message += `\n${errors.slice(1).map((e) => e.message).join('\n')}`;
    this.name = 'RegoCompileError';
    this.errors = errors;
  }
}

export function checkPolicy(modules: readonly Module[], options: CheckOptions = {}): CheckedPolicy {
  const tree = buildRuleTree(modules);
  const errors: RegoCompileError[] = [];
  const attempt = (check: () => void): void => {
    try { check(); } catch (error) {
      if (error instanceof RegoCompileError) errors.push(error);
      else throw error;
    }
  };
  const hostBuiltins = options.hostBuiltins ?? {};
  for (const module of modules) {
    for (const rule of module.rules) {
      const scope = new ModuleScope(tree, module, declaredNames(rule));
      const arityOf = (name: string): number | null =>
        scope.resolveFunction(name)?.arity ?? BUILTINS.get(name)?.arity ?? hostBuiltins[name] ?? null;
      const checkCall = (t: Extract<Term, { type: 'call' }>, outputArgument: boolean): void => {
        if (OPERATORS.has(t.name)) return;
        const arity = arityOf(t.name);
        if (arity === null) throw new RegoCompileError(t.nameLoc, 'call', `rego_type_error: undefined function ${t.name} (not in the agentbus subset)`);
        if (t.args.length !== arity && !(outputArgument && t.args.length === arity + 1)) {
          throw new RegoCompileError(t.nameLoc, 'call', `rego_type_error: ${t.name}: arity mismatch (have ${t.args.length}, want ${arity})`);
        }
      };
      for (const term of termsOfRule(rule)) {
        walkCalls(term, (call, topLevel) => attempt(() => checkCall(call, topLevel)));
      }
      for (const body of [rule.body, ...rule.elses.map((e) => e.body)]) {
        for (const target of withTargets(body)) attempt(() => checkWithTarget(target, scope));
      }
      // Safety of the rule's own bodies (comprehension and `every` bodies are ordered where they are planned).
      const bound = new Set<string>();
      for (const arg of rule.args) allVarsOfTerm(arg, scope.isVar, bound);
      for (const body of [rule.body, ...rule.elses.map((e) => e.body)]) {
        attempt(() => { orderBody(body.map((l) => outputArgumentAsEquality(l, arityOf)), scope.isVar, bound); });
      }
    }
  }
  if (errors.length > 0) throw new RegoCheckErrors(errors);
  return { modules, tree };
}

/** `f(a, out)` (the output-argument form of a call) is `out = f(a)`: the planner reads it so too. */
export function outputArgumentAsEquality(lit: Literal, arityOf: (name: string) => number | null): Literal {
  if (lit.kind === 'with') return { ...lit, literal: outputArgumentAsEquality(lit.literal, arityOf) };
  if (lit.kind !== 'expr' || lit.term.type !== 'call' || OPERATORS.has(lit.term.name)) return lit;
  const t = lit.term;
  // walk(x, [path, value]) is a relation: one binding per node of x, iterated like `some … in`.
  if (t.name === 'walk' && t.args.length === 2 && arityOf('walk') === 1) {
    if (lit.negated) return lit;
    const collection: Term = { type: 'call', name: 'internal.walk', nameLoc: t.nameLoc, args: [t.args[0]!], loc: t.loc };
    return { kind: 'somein', key: null, value: t.args[1]!, collection, loc: lit.loc };
  }
  const arity = arityOf(t.name);
  if (arity === null || t.args.length !== arity + 1) return lit;
  const call: Term = { ...t, args: t.args.slice(0, arity) };
  return { ...lit, term: { type: 'call', name: 'eq', nameLoc: t.nameLoc, args: [t.args[arity]!, call], loc: t.loc } };
}

function* termsOfRule(rule: Rule): Iterable<{ term: Term; topLevel: boolean }> {
  for (const arg of rule.args) yield { term: arg, topLevel: false };
  if (rule.key) yield { term: rule.key, topLevel: false };
  yield { term: rule.value, topLevel: false };
  for (const l of rule.body) yield* termsOfLiteral(l);
  for (const e of rule.elses) { yield { term: e.value, topLevel: false }; for (const l of e.body) yield* termsOfLiteral(l); }
}

function* termsOfLiteral(l: Literal): Iterable<{ term: Term; topLevel: boolean }> {
  switch (l.kind) {
    case 'expr': yield { term: l.term, topLevel: true }; return;
    case 'some': return;
    case 'somein': yield { term: l.collection, topLevel: false }; return;
    case 'every': yield { term: l.domain, topLevel: false }; for (const b of l.body) yield* termsOfLiteral(b); return;
    case 'with': for (const m of l.modifiers) yield { term: m.value, topLevel: false }; yield* termsOfLiteral(l.literal); return;
  }
}

/** Every call in a term (comprehension bodies included); `topLevel` for a literal's own call. */
function walkCalls(entry: { term: Term; topLevel: boolean }, visit: (call: Extract<Term, { type: 'call' }>, topLevel: boolean) => void): void {
  const walk = (t: Term, topLevel: boolean): void => {
    switch (t.type) {
      case 'call': visit(t, topLevel); t.args.forEach((a) => walk(a, false)); return;
      case 'ref': walk(t.head, false); t.path.forEach((p) => walk(p, false)); return;
      case 'array': case 'set': t.items.forEach((i) => walk(i, false)); return;
      case 'object': t.entries.forEach(([k, v]) => { walk(k, false); walk(v, false); }); return;
      case 'arraycomp': case 'setcomp': walk(t.term, false); bodyCalls(t.body); return;
      case 'objectcomp': walk(t.key, false); walk(t.value, false); bodyCalls(t.body); return;
      default: return;
    }
  };
  const bodyCalls = (body: readonly Literal[]): void => {
    for (const l of body) for (const e of termsOfLiteral(l)) walk(e.term, e.topLevel);
  };
  walk(entry.term, entry.topLevel);
}

/** The targets of every `with` in a body (and in the bodies of its `every` literals). */
function* withTargets(body: readonly Literal[]): Iterable<Term> {
  for (const l of body) {
    if (l.kind === 'with') { for (const m of l.modifiers) yield m.target; yield* withTargets([l.literal]); }
    if (l.kind === 'every') yield* withTargets(l.body);
  }
}

/** `with` replaces input or data here; replacing a function or built-in is outside the subset. */
function checkWithTarget(target: Term, scope: ModuleScope): void {
  const head = target.type === 'ref' ? target.head : target;
  const root = head.type === 'var' && !scope.isVar(head.name) ? scope.resolveName(head.name)?.[0] : undefined;
  if (root !== 'input' && root !== 'data') throw unsupported(target.loc, '`with` on a function or built-in');
}
