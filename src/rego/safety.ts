// Safety: every variable bound by a positive literal before it is used, reordering body literals
// the way OPA does when a later literal binds what an earlier one needs. Pure functions over the
// AST: the check pass runs them over every rule first; the planner orders each body it plans.
import { RegoCompileError, type Literal, type Term } from './ast.ts';

/** Decides whether a bare name is a variable (vs a rule, import or root document). */
export type IsVarName = (name: string) => boolean;

interface VarUse { readonly inputs: Set<string>; readonly outputs: Set<string> }

function isPattern(t: Term): boolean {
  return t.type === 'var' || t.type === 'array' || (t.type === 'object');
}

/** Vars in a term that must already be bound (inputs) vs those the term can bind (ref iteration). */
function collectTerm(t: Term, isVar: IsVarName, use: VarUse, outer: ReadonlySet<string>): void {
  switch (t.type) {
    case 'var':
      if (t.name !== '_' && isVar(t.name)) use.inputs.add(t.name);
      return;
    case 'ref':
      if (t.head.type !== 'var') collectTerm(t.head, isVar, use, outer);
      else if (t.head.name !== '_' && isVar(t.head.name)) use.inputs.add(t.head.name);
      for (const p of t.path) {
        if (isPattern(p)) collectPattern(p, isVar, use, outer);
        else collectTerm(p, isVar, use, outer);
      }
      return;
    case 'array': case 'set':
      for (const i of t.items) collectTerm(i, isVar, use, outer);
      return;
    case 'object':
      for (const [k, v] of t.entries) { collectTerm(k, isVar, use, outer); collectTerm(v, isVar, use, outer); }
      return;
    case 'call':
      for (const a of t.args) collectTerm(a, isVar, use, outer);
      return;
    case 'arraycomp': case 'setcomp': case 'objectcomp': {
      // Closure: comprehension vars that the enclosing body also mentions must be bound first.
      const inner = new Set<string>();
      allVarsOfTerm(t, isVar, inner);
      for (const n of inner) if (outer.has(n)) use.inputs.add(n);
      return;
    }
    default:
      return;
  }
}

/** Pattern positions: plain vars are outputs; refs/calls inside are inputs. */
function collectPattern(t: Term, isVar: IsVarName, use: VarUse, outer: ReadonlySet<string>): void {
  if (t.type === 'var') { if (t.name !== '_' && isVar(t.name)) use.outputs.add(t.name); return; }
  if (t.type === 'array') { for (const i of t.items) collectPattern(i, isVar, use, outer); return; }
  if (t.type === 'object') { for (const [k, v] of t.entries) { collectTerm(k, isVar, use, outer); collectPattern(v, isVar, use, outer); } return; }
  collectTerm(t, isVar, use, outer);
}

/**
 * Vars a term mentions, into `into`. With `nested` false, only those outside its comprehensions (which
 * scope their own vars); with it true, those inside comprehensions and `every` bodies too.
 */
function varsOfTerm(t: Term, isVar: IsVarName, into: Set<string>, nested: boolean): void {
  switch (t.type) {
    case 'var': if (t.name !== '_' && isVar(t.name)) into.add(t.name); return;
    case 'ref': varsOfTerm(t.head, isVar, into, nested); for (const p of t.path) varsOfTerm(p, isVar, into, nested); return;
    case 'array': case 'set': for (const i of t.items) varsOfTerm(i, isVar, into, nested); return;
    case 'object': for (const [k, v] of t.entries) { varsOfTerm(k, isVar, into, nested); varsOfTerm(v, isVar, into, nested); } return;
    case 'call': for (const a of t.args) varsOfTerm(a, isVar, into, nested); return;
    case 'arraycomp': case 'setcomp':
      if (nested) { varsOfTerm(t.term, isVar, into, nested); for (const l of t.body) varsOfLiteral(l, isVar, into, nested); }
      return;
    case 'objectcomp':
      if (nested) { varsOfTerm(t.key, isVar, into, nested); varsOfTerm(t.value, isVar, into, nested); for (const l of t.body) varsOfLiteral(l, isVar, into, nested); }
      return;
    default: return;
  }
}

function varsOfLiteral(l: Literal, isVar: IsVarName, into: Set<string>, nested: boolean): void {
  switch (l.kind) {
    case 'expr': varsOfTerm(l.term, isVar, into, nested); return;
    case 'some': for (const v of l.vars) varsOfTerm(v, isVar, into, nested); return;
    case 'somein':
      if (l.key) varsOfTerm(l.key, isVar, into, nested);
      varsOfTerm(l.value, isVar, into, nested);
      varsOfTerm(l.collection, isVar, into, nested);
      return;
    case 'every': varsOfTerm(l.domain, isVar, into, nested); if (nested) for (const b of l.body) varsOfLiteral(b, isVar, into, nested); return;
    case 'with':
      varsOfLiteral(l.literal, isVar, into, nested);
      for (const m of l.modifiers) varsOfTerm(m.value, isVar, into, nested);
      return;
  }
}

/** Vars of a term outside its comprehensions (those are scoped to the comprehension). */
export function outerVarsOfTerm(t: Term, isVar: IsVarName, into: Set<string>): void {
  varsOfTerm(t, isVar, into, false);
}

function outerVarsOfLiteral(l: Literal, isVar: IsVarName, into: Set<string>): void {
  varsOfLiteral(l, isVar, into, false);
}

/** Every var a term mentions, comprehensions included. */
export function allVarsOfTerm(t: Term, isVar: IsVarName, into: Set<string>): void {
  varsOfTerm(t, isVar, into, true);
}

export function allVarsOfLiteral(l: Literal, isVar: IsVarName, into: Set<string>): void {
  varsOfLiteral(l, isVar, into, true);
}

/** Alternatives for a literal: each is (inputs needed, outputs bound). */
function literalUses(l: Literal, isVar: IsVarName, outer: ReadonlySet<string>): VarUse[] {
  const mk = (): VarUse => ({ inputs: new Set(), outputs: new Set() });
  if (l.kind === 'with') {
    // The replacement values are read before the literal runs.
    const needed = new Set<string>();
    for (const m of l.modifiers) allVarsOfTerm(m.value, isVar, needed);
    return literalUses(l.literal, isVar, outer).map((u) => ({ inputs: new Set([...u.inputs, ...needed]), outputs: u.outputs }));
  }
  if (l.kind === 'some') return [mk()];
  if (l.kind === 'somein') {
    const u = mk();
    collectTerm(l.collection, isVar, u, outer);
    if (l.key) collectPattern(l.key, isVar, u, outer);
    collectPattern(l.value, isVar, u, outer);
    return [u];
  }
  if (l.kind === 'every') {
    const u = mk();
    collectTerm(l.domain, isVar, u, outer);
    const inner = new Set<string>();
    for (const b of l.body) allVarsOfLiteral(b, isVar, inner);
    const own = new Set<string>();
    if (l.key) allVarsOfTerm(l.key, isVar, own);
    allVarsOfTerm(l.value, isVar, own);
    for (const n of inner) if (!own.has(n) && outer.has(n)) u.inputs.add(n);
    return [u];
  }
  if (l.negated) {
    const u = mk();
    const all = new Set<string>();
    allVarsOfTerm(l.term, isVar, all);
    for (const n of all) u.inputs.add(n);
    return [u];
  }
  const t = l.term;
  if (t.type === 'call' && (t.name === 'eq' || t.name === 'assign')) {
    const [a, b] = t.args as [Term, Term];
    const left = mk(); collectPattern(a, isVar, left, outer); collectTerm(b, isVar, left, outer);
    if (t.name === 'assign') return [left];
    const right = mk(); collectPattern(b, isVar, right, outer); collectTerm(a, isVar, right, outer);
    const both = mk(); collectPattern(a, isVar, both, outer); collectPattern(b, isVar, both, outer);
    return [left, right, both];
  }
  const u = mk();
  collectTerm(t, isVar, u, outer);
  return [u];
}

/**
 * Orders body literals so that every literal's inputs are bound when it runs; returns the
 * order. `bound` holds the names bound on entry (function args, enclosing scopes).
 */
export function orderBody(body: readonly Literal[], isVar: IsVarName, bound: ReadonlySet<string>): Literal[] {
  // Closure vars of a comprehension: outer vars, except `:=` declarations that come after it
  // (those declare a new variable; the comprehension's own is local).
  const declaredAt = new Map<string, number>();
  body.forEach((l, i) => {
    if (l.kind === 'expr' && l.term.type === 'call' && l.term.name === 'assign') {
      const vars = new Set<string>();
      outerVarsOfTerm(l.term.args[0]!, isVar, vars);
      for (const v of vars) if (!declaredAt.has(v)) declaredAt.set(v, i);
    }
  });
  const outerFor = (lit: Literal): Set<string> => {
    const at = body.indexOf(lit);
    const outer = new Set<string>(bound);
    body.forEach((l, i) => {
      if (l.kind === 'expr' && l.term.type === 'call' && l.term.name === 'assign' && i > at) { outerVarsOfTerm(l.term.args[1]!, isVar, outer); return; }
      outerVarsOfLiteral(l, isVar, outer);
    });
    for (const [v, i] of declaredAt) if (i > at && !bound.has(v)) outer.delete(v);
    return outer;
  };
  const have = new Set(bound);
  const remaining = [...body];
  const ordered: Literal[] = [];
  while (remaining.length > 0) {
    let picked = -1;
    for (let i = 0; i < remaining.length && picked < 0; i++) {
      for (const u of literalUses(remaining[i]!, isVar, outerFor(remaining[i]!))) {
        if ([...u.inputs].every((n) => have.has(n))) {
          picked = i;
          for (const n of u.outputs) have.add(n);
          for (const n of u.inputs) have.add(n);
          break;
        }
      }
    }
    if (picked < 0) {
      const l = remaining[0]!;
      const missing = [...literalUses(l, isVar, outerFor(l))[0]!.inputs].filter((n) => !have.has(n));
      throw new RegoCompileError(l.loc, 'unsafe var', `rego_unsafe_var_error: var ${missing[0] ?? '?'} is unsafe`);
    }
    const [lit] = remaining.splice(picked, 1);
    // Names declared by `some x` or bound by `somein` become bound.
    const inner = withoutModifiers(lit!);
    if (inner.kind === 'somein') {
      if (inner.key) allVarsOfTerm(inner.key, isVar, have);
      allVarsOfTerm(inner.value, isVar, have);
    }
    ordered.push(lit!);
  }
  return ordered;
}

/** The literal a `with` wraps (itself when it has no modifiers). */
export function withoutModifiers(l: Literal): Literal {
  return l.kind === 'with' ? withoutModifiers(l.literal) : l;
}
