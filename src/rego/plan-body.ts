// Planning of rule bodies: literals and terms to IR statements. Iteration (refs with unbound
// variables, `some x in c`) opens a scan, and everything planned afterwards goes inside it:
// `this.out` is the cursor into the innermost statement list.
import { RegoCompileError, unsupported, type Literal, type Term, type Location, type MetadataBlock } from './ast.ts';
import { ruleAnnotations } from './annotations.ts';
import { withTarget } from './with-target.ts';
import { jsonTerm } from './json-term.ts';
import { orderBody, allVarsOfTerm } from './safety.ts';
import { outputArgumentAsEquality } from './check.ts';
import { BUILTINS } from './builtins.ts';
import { wrappedBuiltinName } from './host-builtins/index.ts';
import { containsWildcard, isPattern, hasPatternVars, patternVars, type Env } from './patterns.ts';
import type { Operand, Stmt } from './ir.ts';
import type { PlanContext, DataAccess } from './plan-context.ts';
import type { ModuleScope } from './scope.ts';

export type { Env };

export class FunctionBuilder {
  locals: number;
  /** Locals caching constant-key refs from input or base data (see refLocal). */
  private readonly refLocals = new Map<string, number>();
  constructor(readonly params: number) { this.locals = params; }
  newLocal(): number { return this.locals++; }
  /**
   * The local that caches the value of a ref with constant string keys from `input` or base data
   * (e.g. input.message, data.agentbus.limits): input and data do not change during an
   * evaluation, so a function looks each one up once however many literals mention it.
   */
  refLocal(path: readonly string[]): number {
    const key = JSON.stringify(path);
    let local = this.refLocals.get(key);
    if (local === undefined) this.refLocals.set(key, (local = this.newLocal()));
    return local;
  }
}

/** Significant decimal digits of a number literal (OPA keeps them all; a double holds 15 safely). */
function significantDigits(text: string): number {
  const mantissa = text.replace(/^-/, '').replace(/[eE].*$/, '');
  const digits = mantissa.replace('.', '').replace(/^0+/, '');
  return (mantissa.includes('.') ? digits.replace(/0+$/, '') : digits.replace(/0+$/, '')).length;
}

/**
 * An integer literal beyond 2^53 that a double holds exactly (10^17, 2^64): every operation then
 * sees its exact value, and arithmetic on it is refused at run time like any number that big.
 */
function exactDouble(text: string, value: number): boolean {
  return /^-?\d+$/.test(text) && BigInt(text) === BigInt(value);
}

const OPERATORS: ReadonlySet<string> = new Set(['eq', 'assign', 'equal', 'neq', 'lt', 'lte', 'gt', 'gte', 'internal.member_2']);
const RELATIONS: Record<string, 'lt' | 'lte' | 'gt' | 'gte'> = { lt: 'lt', lte: 'lte', gt: 'gt', gte: 'gte' };
const RELATION_KIND: Record<string, number> = { equal: 0, neq: 1, lt: 2, lte: 3, gt: 4, gte: 5 };

export class BodyPlanner implements DataAccess {
  out: Stmt[];
  noMemo: boolean;
  /** The METADATA block of the rule being planned (what rego.metadata.rule() returns). */
  ruleMetadata: MetadataBlock | undefined;
  /** The input and data documents: the function's parameters, or their replacements under `with`. */
  private input: Operand = { local: 0 };
  private data: Operand = { local: 1 };
  constructor(
    private readonly policy: PlanContext,
    private readonly scope: ModuleScope,
    private readonly fb: FunctionBuilder,
    out: Stmt[],
    noMemo = false,
  ) { this.out = out; this.noMemo = noMemo; }

  /** True while `with` has replaced input or data (their lookups then are not cached per function). */
  private get replaced(): boolean {
    return !('local' in this.input && this.input.local === 0 && 'local' in this.data && this.data.local === 1);
  }

  private isVar = (name: string): boolean => this.scope.isVar(name);

  /** Appends to the current cursor. A method, so its argument (which may open scans) is built first. */
  emit(s: Stmt): void { this.out.push(s); }

  private fail(): void { this.emit({ op: 'truthy', source: { const: this.policy.constant({ t: 'boolean', v: false }) } }); }

  private isUnbound(t: Term, env: Env): boolean {
    return t.type === 'var' && this.isVar(t.name) && (t.name === '_' || !env.has(t.name));
  }

  /** True when the term contains a variable not yet bound (so it is a pattern, not a value). */
  private hasUnbound(t: Term, env: Env): boolean {
    const vars = new Set<string>();
    allVarsOfTerm(t, this.isVar, vars);
    if (containsWildcard(t)) return true;
    for (const v of vars) if (!env.has(v)) return true;
    return false;
  }

  planBody(body: readonly Literal[], env: Env): void {
    const ordered = orderBody(body.map((l) => this.rewriteOutputArgument(l)), this.isVar, new Set(env.keys()));
    for (const lit of ordered) this.planLiteral(lit, env);
  }

  /** `f(a, out)` is `out = f(a)` (see check.ts, which reports calls that resolve to nothing). */
  private rewriteOutputArgument(lit: Literal): Literal {
    if (lit.kind === 'expr' && lit.term.type === 'call' && !OPERATORS.has(lit.term.name) && this.arityOf(lit.term.name) === null) {
      throw new RegoCompileError(lit.term.nameLoc, 'call', `rego_type_error: undefined function ${lit.term.name} (not in the agentbus subset)`);
    }
    return outputArgumentAsEquality(lit, (name) => this.arityOf(name));
  }

  private arityOf(name: string): number | null {
    if (OPERATORS.has(name)) return null;
    const fn = this.scope.resolveFunction(name);
    if (fn) return fn.arity;
    const b = BUILTINS.get(name);
    if (b) return b.arity;
    return this.policy.extraHostBuiltins[name] ?? null;
  }

  planLiteral(lit: Literal, env: Env): void {
    switch (lit.kind) {
      case 'some':
        for (const v of lit.vars) if (v.type !== 'var') throw new RegoCompileError(v.loc, 'some', 'rego_parse_error: expected a variable after some');
        return;
      case 'somein': {
        const coll = this.planTerm(lit.collection, env);
        const key = this.fb.newLocal();
        const value = this.fb.newLocal();
        const scan: Stmt = { op: 'scan', source: coll, key, value, body: [] };
        this.emit(scan);
        this.out = scan.body;
        if (lit.key) this.unifyOperand(lit.key, { local: key }, env);
        this.unifyOperand(lit.value, { local: value }, env);
        return;
      }
      case 'every': {
        // every k, v in dom { body }  ==  not (some k, v in dom; not body). An undefined domain
        // makes the literal fail (planTerm); an empty one makes it true.
        const domain = this.planTerm(lit.domain, env);
        this.emit({ op: 'test', fn: 'rt_is_collection', args: [domain] });
        const violated = this.fb.newLocal();
        this.emit({ op: 'reset', target: violated });
        const outer = this.out;
        const block: Stmt = { op: 'block', body: [] };
        outer.push(block);
        const key = this.fb.newLocal();
        const value = this.fb.newLocal();
        const scan: Stmt = { op: 'scan', source: domain, key, value, body: [] };
        block.body.push(scan);
        const inner = new Map(env);
        this.out = scan.body;
        if (lit.key) this.unifyOperand(lit.key, { local: key }, inner);
        this.unifyOperand(lit.value, { local: value }, inner);
        this.planNegated(() => this.planBody(lit.body, inner));
        this.emit({ op: 'assign', target: violated, source: { const: this.policy.constant({ t: 'boolean', v: true }) } });
        this.out = outer;
        this.emit({ op: 'failIfDefined', source: { local: violated } });
        return;
      }
      case 'with': this.planWith(lit, env); return;
      case 'expr':
        if (lit.negated) {
          this.planNegated(() => this.planExpr(lit.term, new Map(env)));
          return;
        }
        this.planExpr(lit.term, env);
        return;
    }
  }

  /**
   * `lit with input.a as x with data.b as y`: the replacement documents are built first (each
   * replacing the value at its path, upserting objects), then the literal is planned reading them,
   * through rule functions that do not memoise (their values depend on the documents).
   */
  private planWith(lit: Extract<Literal, { kind: 'with' }>, env: Env): void {
    let input = this.input;
    let data = this.data;
    for (const m of lit.modifiers) {
      const target = withTarget(m.target, this.scope, this.policy.tree);
      const value = this.planTerm(m.value, env);
      let replaced = value;
      if (target.path.length > 0) {
        const keys = this.planTerm({ type: 'array', items: target.path.map((k) => ({ type: 'string', value: k, loc: m.loc }) as Term), loc: m.loc }, env);
        const local = this.fb.newLocal();
        this.emit({ op: 'call', fn: 'rt_with_path', args: [target.root === 'input' ? input : data, keys, value], target: local });
        replaced = { local };
      }
      if (target.root === 'input') input = replaced;
      else data = replaced;
    }
    const saved = { input: this.input, data: this.data, noMemo: this.noMemo };
    this.input = input;
    this.data = data;
    this.noMemo = true;
    try { this.planLiteral(lit.literal, env); } finally { this.input = saved.input; this.data = saved.data; this.noMemo = saved.noMemo; }
  }

  /**
   * Negation: plans `inner` in a block whose successful end (wherever the cursor is then, maybe
   * inside scans) sets a flag; the literal holds iff the flag stayed unset.
   */
  private planNegated(inner: () => void): void {
    const succeeded = this.fb.newLocal();
    this.emit({ op: 'reset', target: succeeded });
    const outer = this.out;
    const block: Stmt = { op: 'block', body: [] };
    outer.push(block);
    this.out = block.body;
    inner();
    this.emit({ op: 'assign', target: succeeded, source: { const: this.policy.constant({ t: 'boolean', v: true }) } });
    this.out = outer;
    this.emit({ op: 'failIfDefined', source: { local: succeeded } });
  }

  private planExpr(t: Term, env: Env): void {
    if (t.type === 'call') {
      const [a, b] = t.args;
      switch (t.name) {
        case 'assign': {
          // `:=` declares: the left side's variables are new, even if the name was seen before.
          for (const name of patternVars(a!)) if (env.has(name)) throw new RegoCompileError(a!.loc, 'assign', `rego_compile_error: var ${name} assigned above`);
          const value = this.planTerm(b!, env);
          this.unifyOperand(a!, value, env);
          return;
        }
        case 'eq': this.unify(a!, b!, env); return;
        case 'equal': this.emit({ op: 'test', fn: 'rt_equal', args: [this.planTerm(a!, env), this.planTerm(b!, env)] }); return;
        case 'neq': this.emit({ op: 'test', fn: 'rt_equal', args: [this.planTerm(a!, env), this.planTerm(b!, env)], negate: true }); return;
        case 'lt': case 'lte': case 'gt': case 'gte':
          this.emit({ op: 'compare', cmp: RELATIONS[t.name]!, a: this.planTerm(a!, env), b: this.planTerm(b!, env) });
          return;
        case 'internal.member_2': this.planMembership(t, env); return;
        default: break;
      }
    }
    this.emit({ op: 'truthy', source: this.planTerm(t, env) });
  }

  private planMembership(t: Extract<Term, { type: 'call' }>, env: Env): void {
    const [x, c] = t.args as [Term, Term];
    const coll = this.planTerm(c, env);
    if (this.hasUnbound(x, env)) throw new RegoCompileError(x.loc, 'in', 'rego_unsafe_var_error: membership `x in c` needs x bound (use `some x in c` to iterate)');
    this.emit({ op: 'test', fn: 'rt_member', args: [this.planTerm(x, env), coll] });
  }

  // ------------------------------------------------------------ unification

  unify(a: Term, b: Term, env: Env): void {
    const aOpen = hasPatternVars(a, this.isVar, env);
    const bOpen = hasPatternVars(b, this.isVar, env);
    if (aOpen && bOpen) {
      if (a.type === 'array' && b.type === 'array') {
        if (a.items.length !== b.items.length) { this.fail(); return; }
        this.unifyPairs(a.items.map((item, i) => [item, b.items[i]!] as const), env);
        return;
      }
      if (a.type === 'object' && b.type === 'object') {
        const keyOf = (k: Term): string | null => (k.type === 'string' || k.type === 'number' || k.type === 'boolean' || k.type === 'null' ? JSON.stringify([k.type, 'value' in k ? k.value : null]) : null);
        const bKeys = new Map(b.entries.map(([k, v]) => [keyOf(k), v] as const));
        if (a.entries.length !== b.entries.length || a.entries.some(([k]) => keyOf(k) === null || !bKeys.has(keyOf(k)))) throw unsupported(a.loc, 'unification of objects with non-constant or different keys');
        this.unifyPairs(a.entries.map(([k, v]) => [v, bKeys.get(keyOf(k))!] as const), env);
        return;
      }
      if (isPattern(a) && !hasPatternVars(b, this.isVar, env)) { this.unifyOperand(a, this.planTerm(b, env), env); return; }
      if (isPattern(b) && !hasPatternVars(a, this.isVar, env)) { this.unifyOperand(b, this.planTerm(a, env), env); return; }
      throw unsupported(a.loc, 'unification with unbound variables on both sides');
    }
    if (aOpen) { this.unifyOperand(a, this.planTerm(b, env), env); return; }
    if (bOpen) { this.unifyOperand(b, this.planTerm(a, env), env); return; }
    this.emit({ op: 'test', fn: 'rt_equal', args: [this.planTerm(a, env), this.planTerm(b, env)] });
  }

  /** Unifies pairs, taking first those where one side is already computable. */
  private unifyPairs(pairs: readonly (readonly [Term, Term])[], env: Env): void {
    const left = [...pairs];
    while (left.length > 0) {
      let i = left.findIndex(([x, y]) => !hasPatternVars(x, this.isVar, env) || !hasPatternVars(y, this.isVar, env));
      if (i < 0) i = 0;
      const [[x, y]] = left.splice(i, 1) as [readonly [Term, Term]];
      this.unify(x, y, env);
    }
  }

  /** Matches a pattern term against a computed value, binding the pattern's unbound variables. */
  unifyOperand(pattern: Term, value: Operand, env: Env): void {
    if (pattern.type === 'var' && this.isVar(pattern.name)) {
      if (pattern.name === '_') { this.emit({ op: 'defined', source: value }); return; }
      const bound = env.get(pattern.name);
      if (bound !== undefined) { this.emit({ op: 'test', fn: 'rt_equal', args: [{ local: bound }, value] }); return; }
      const local = this.fb.newLocal();
      this.emit({ op: 'assign', target: local, source: value });
      env.set(pattern.name, local);
      return;
    }
    if (pattern.type === 'array' && hasPatternVars(pattern, this.isVar, env)) {
      this.emit({ op: 'arrayOfLength', source: value, length: pattern.items.length });
      pattern.items.forEach((item, i) => {
        const el = this.fb.newLocal();
        this.emit({ op: 'call', fn: 'rt_get', args: [value, { const: this.policy.constant({ t: 'number', v: i, text: String(i) }) }], target: el });
        this.unifyOperand(item, { local: el }, env);
      });
      return;
    }
    if (pattern.type === 'object' && hasPatternVars(pattern, this.isVar, env)) {
      this.emit({ op: 'objectOfLength', source: value, length: pattern.entries.length });
      for (const [k, v] of pattern.entries) {
        if (this.hasUnbound(k, env)) throw unsupported(k.loc, 'an object pattern with a variable key');
        const el = this.fb.newLocal();
        this.emit({ op: 'call', fn: 'rt_get', args: [value, this.planTerm(k, env)], target: el });
        this.unifyOperand(v, { local: el }, env);
      }
      return;
    }
    this.emit({ op: 'test', fn: 'rt_equal', args: [this.planTerm(pattern, env), value] });
  }

  // ------------------------------------------------------------ terms

  planTerm(t: Term, env: Env): Operand {
    switch (t.type) {
      case 'null': return { const: this.policy.constant({ t: 'null' }) };
      case 'boolean': return { const: this.policy.constant({ t: 'boolean', v: t.value }) };
      case 'number':
        if (!Number.isFinite(t.value)) throw unsupported(t.loc, `the number ${t.text}`);
        if (Number.isInteger(t.value) ? !Number.isSafeInteger(t.value) && !exactDouble(t.text, t.value) : significantDigits(t.text) > 15) {
          throw unsupported(t.loc, `the number ${t.text} beyond double precision (2^53)`);
        }
        return { const: this.policy.constant({ t: 'number', v: t.value, text: t.text }) };
      case 'string': return { const: this.policy.constant({ t: 'string', v: t.value }) };
      case 'var': {
        if (this.isVar(t.name)) {
          const local = env.get(t.name);
          if (local === undefined) throw new RegoCompileError(t.loc, 'unsafe var', `rego_unsafe_var_error: var ${t.name === '_' ? '_' : t.name} is unsafe`);
          return { local };
        }
        return this.planRef({ type: 'ref', head: t, path: [], loc: t.loc }, env);
      }
      case 'ref': return this.planRef(t, env);
      case 'array': case 'set': {
        // Same plan for both; only the runtime's constructor and insert differ.
        const [make, add] = t.type === 'array' ? ['rt_array', 'rt_array_push'] : ['rt_set', 'rt_set_add'];
        const collection = this.fb.newLocal();
        const items = t.items.map((i) => this.planTerm(i, env));
        this.emit({ op: 'call', fn: make, args: [this.policy.i32(items.length)], target: collection });
        for (const i of items) this.emit({ op: 'effect', fn: add, args: [{ local: collection }, i] });
        return { local: collection };
      }
      case 'object': {
        const obj = this.fb.newLocal();
        const entries = t.entries.map(([k, v]) => [this.planTerm(k, env), this.planTerm(v, env)] as const);
        this.emit({ op: 'call', fn: 'rt_object', args: [this.policy.i32(entries.length)], target: obj });
        // Duplicate keys with different values are a conflict in OPA; equal ones collapse.
        for (const [k, v] of entries) this.emit({ op: 'objectInsertOnce', object: obj, key: k, value: v, message: this.policy.message(t.loc, 'eval_conflict_error: object keys must be unique') });
        return { local: obj };
      }
      case 'arraycomp': case 'setcomp': case 'objectcomp': return this.planComprehension(t, env);
      case 'call': return this.planCall(t, env);
    }
  }

  private planComprehension(t: Extract<Term, { type: 'arraycomp' | 'setcomp' | 'objectcomp' }>, env: Env): Operand {
    const target = this.fb.newLocal();
    const ctor = t.type === 'arraycomp' ? 'rt_array' : t.type === 'setcomp' ? 'rt_set' : 'rt_object';
    this.emit({ op: 'call', fn: ctor, args: [this.policy.i32(4)], target });
    const outer = this.out;
    const block: Stmt = { op: 'block', body: [] };
    outer.push(block);
    this.out = block.body;
    const inner = new Map(env);
    this.planBody(t.body, inner);
    if (t.type === 'objectcomp') {
      const k = this.planTerm(t.key, inner);
      const v = this.planTerm(t.value, inner);
      this.emit({ op: 'objectInsertOnce', object: target, key: k, value: v, message: this.policy.message(t.loc, 'eval_conflict_error: object keys must be unique') });
    } else {
      const v = this.planTerm(t.term, inner);
      this.emit({ op: 'effect', fn: t.type === 'arraycomp' ? 'rt_array_push' : 'rt_set_add', args: [{ local: target }, v] });
    }
    this.out = outer;
    return { local: target };
  }

  private planCall(t: Extract<Term, { type: 'call' }>, env: Env): Operand {
    const kind = RELATION_KIND[t.name];
    if (kind !== undefined) {
      const target = this.fb.newLocal();
      this.emit({ op: 'call', fn: 'rt_relation', args: [this.policy.i32(kind), this.planTerm(t.args[0]!, env), this.planTerm(t.args[1]!, env)], target });
      return { local: target };
    }
    if (t.name === 'internal.member_2') {
      const target = this.fb.newLocal();
      this.emit({ op: 'call', fn: 'rt_member_value', args: [this.planTerm(t.args[0]!, env), this.planTerm(t.args[1]!, env)], target });
      return { local: target };
    }
    if (t.name === 'eq' || t.name === 'assign') throw unsupported(t.loc, `${t.name === 'eq' ? '`=`' : '`:=`'} inside an expression`);
    // User-defined function?
    const fn = this.scope.resolveFunction(t.name);
    if (fn) {
      if (t.args.length !== fn.arity) throw new RegoCompileError(t.nameLoc, 'call', `rego_type_error: ${t.name}: arity mismatch (have ${t.args.length}, want ${fn.arity})`);
      const args = t.args.map((a) => this.planTerm(a, env));
      const target = this.fb.newLocal();
      this.emit({ op: 'call', fn: this.policy.functionFor(fn, this.noMemo), args: [this.input, this.data, ...args], target });
      return { local: target };
    }
    const extraArity = this.policy.extraHostBuiltins[t.name];
    const builtin = BUILTINS.get(t.name) ?? (extraArity !== undefined ? { kind: 'host' as const, arity: extraArity } : undefined);
    if (!builtin) throw new RegoCompileError(t.nameLoc, 'call', `rego_type_error: undefined function ${t.name} (not in the agentbus subset)`);
    if (t.args.length !== builtin.arity) {
      if (t.args.length === builtin.arity + 1) throw unsupported(t.nameLoc, `the output-argument form of ${t.name}`);
      throw new RegoCompileError(t.nameLoc, 'call', `rego_type_error: ${t.name}: arity mismatch (have ${t.args.length}, want ${builtin.arity})`);
    }
    if (t.name === 'walk') return this.planWalk(t, env);
    if (builtin.kind === 'planned') return this.planTerm(jsonTerm(ruleAnnotations(this.ruleMetadata, t.loc), t.loc), env);
    const args = t.args.map((a) => this.planTerm(a, env));
    if (builtin.kind === 'host' && builtin.guardNestedSets === true) {
      for (let i = 0; i < args.length; i++) {
        const guarded = this.fb.newLocal();
        this.emit({ op: 'call', fn: 'rt_host_nested_set_guard', args: [args[i]!], target: guarded });
        args[i] = { local: guarded };
      }
    }
    if (t.name === 'sprintf') {
      const guarded = this.fb.newLocal();
      this.emit({ op: 'call', fn: 'rt_sprintf_guard', args: [args[1]!], target: guarded });
      args[1] = { local: guarded };
    }
    const target = this.fb.newLocal();
    if (builtin.kind === 'native') {
      this.emit({ op: 'call', fn: builtin.fn, args, target });
    } else if (builtin.wrapped === true && !this.policy.strictBuiltinErrors) {
      const id = this.policy.hostBuiltin(wrappedBuiltinName(t.name));
      const wrappedResult = this.fb.newLocal();
      this.emit({ op: 'call', fn: `rt_host${args.length}`, args: [this.policy.i32(id), ...args], target: wrappedResult });
      this.emit({ op: 'call', fn: 'rt_get', args: [{ local: wrappedResult }, { const: this.policy.constant({ t: 'number', v: 0, text: '0' }) }], target });
    } else {
      const id = this.policy.hostBuiltin(t.name);
      this.emit({ op: 'call', fn: `rt_host${args.length}`, args: [this.policy.i32(id), ...args], target });
    }
    return { local: target };
  }

  /**
   * `walk(x)` as a value is OPA's relation: each [path, value] pair of x in turn, so it opens a
   * scan over the pairs and everything planned after it runs once per pair.
   */
  private planWalk(t: Extract<Term, { type: 'call' }>, env: Env): Operand {
    if (t.args.length !== 1) throw new RegoCompileError(t.nameLoc, 'call', `rego_type_error: walk: arity mismatch (have ${t.args.length}, want 1)`);
    const pairs = this.fb.newLocal();
    this.emit({ op: 'call', fn: 'rt_bi_walk', args: [this.planTerm(t.args[0]!, env)], target: pairs });
    const key = this.fb.newLocal();
    const value = this.fb.newLocal();
    const scan: Stmt = { op: 'scan', source: { local: pairs }, key, value, body: [] };
    this.emit(scan);
    this.out = scan.body;
    return { local: value };
  }

  // ------------------------------------------------------------ refs

  planRef(t: Extract<Term, { type: 'ref' }>, env: Env): Operand {
    let cur: Operand;
    let path = t.path;
    const head = t.head;
    if (head.type === 'var' && !this.isVar(head.name)) {
      const abs = [...this.scope.resolveName(head.name)!];
      // Fold constant string path elements into the absolute path as far as they go.
      let i = 0;
      while (i < path.length && path[i]!.type === 'string') { abs.push((path[i] as { value: string }).value); i++; }
      const dynamicRest = path.slice(i);
      if (abs[0] === 'input') {
        // The policy reads this subtree of input (its constant-key prefix; see input-paths.ts).
        this.policy.inputPaths.push(abs.slice(1));
        cur = this.input;
        this.emit({ op: 'defined', source: cur });
        cur = this.cachedPath(cur, abs);
        path = dynamicRest;
      } else {
        const resolved = this.policy.resolveData(abs.slice(1), t.loc, this);
        cur = resolved.value;
        path = [...resolved.rest.map((s) => ({ type: 'string', value: s, loc: t.loc }) as Term), ...dynamicRest];
      }
    } else {
      cur = this.planTerm(head, env);
    }
    for (const el of path) {
      if (this.hasUnbound(el, env)) {
        const key = this.fb.newLocal();
        const value = this.fb.newLocal();
        const scan: Stmt = { op: 'scan', source: cur, key, value, body: [] };
        this.emit(scan);
        this.out = scan.body;
        this.unifyOperand(el, { local: key }, env);
        cur = { local: value };
      } else {
        const key = this.planTerm(el, env);
        const next = this.fb.newLocal();
        this.emit({ op: 'call', fn: 'rt_get', args: [cur, key], target: next });
        cur = { local: next };
      }
    }
    return cur;
  }

  /** Emits a call to a rule/package function and returns its (defined) value. */
  callFunction(fn: string, loc: Location): Operand {
    void loc;
    const target = this.fb.newLocal();
    this.emit({ op: 'call', fn, args: [this.input, this.data], target });
    return { local: target };
  }

  /** Walks base data from the `data` parameter. */
  baseData(path: readonly string[]): Operand {
    const root: Operand = this.data;
    this.emit({ op: 'defined', source: root });
    return this.cachedPath(root, ['data', ...path]);
  }

  /** Looks up the constant keys path[1..] from root (input or data), each prefix once per function. */
  private cachedPath(root: Operand, path: readonly string[]): Operand {
    let cur = root;
    if (this.replaced) {
      // Documents replaced by `with` are read afresh: the cache holds the parameters' lookups.
      for (let i = 1; i < path.length; i++) {
        const next = this.fb.newLocal();
        this.emit({ op: 'call', fn: 'rt_get', args: [cur, { const: this.policy.constant({ t: 'string', v: path[i]! }) }], target: next });
        cur = { local: next };
      }
      return cur;
    }
    for (let i = 1; i < path.length; i++) {
      const target = this.fb.refLocal(path.slice(0, i + 1));
      this.emit({ op: 'cachedGet', target, source: cur, key: { const: this.policy.constant({ t: 'string', v: path[i]! }) } });
      cur = { local: target };
    }
    return cur;
  }
}
