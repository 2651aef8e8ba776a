// The planner: rules, functions, package documents and entrypoints to IR functions.
// Rules are functions of (input, data), memoised per evaluation; partial sets/objects build
// their collection from every body; complete rules and functions check for conflicts.
import { RegoCompileError, type Module, type Rule, type Location, type Term, formatLocation } from './ast.ts';
import { buildRuleTree, lookupNode, type RuleGroup, type TreeNode } from './rule-tree.ts';
import { ModuleScope, declaredNames } from './scope.ts';
import type { DataAccess, PlanContext } from './plan-context.ts';
import { BodyPlanner, FunctionBuilder, type Env } from './plan-body.ts';
import type { ConstValue, IrFunction, IrPolicy, Operand, Stmt } from './ir.ts';
import { inputPathTree } from './input-path-tree.ts';

export interface PlannerOptions {
  /** Host built-ins the embedding supplies (name → arity). */
  readonly hostBuiltins?: Readonly<Record<string, number>>;
  readonly strictBuiltinErrors?: boolean;
  /**
   * Top-level packages that hold queries rather than documents (a test harness's query rule):
   * left out of the whole `data` document, as OPA leaves a query out of it.
   */
  readonly queryPackages?: readonly string[];
}

export class PolicyPlanner implements PlanContext {
  readonly tree: TreeNode;
  private readonly constants: ConstValue[] = [];
  private readonly constantIndex = new Map<string, number>();
  private readonly messages: string[] = [];
  private readonly functions: IrFunction[] = [];
  private readonly functionNames = new Map<string, string>();
  private readonly pending: (() => void)[] = [];
  private readonly hostBuiltins = new Map<string, number>();
  private memoSlots = 0;
  /** Constant-key prefixes of every input ref planned (see input-paths.ts). */
  readonly inputPaths: string[][] = [];
  private readonly functionOrigins = new Map<string, { loc: Location; path: string }>();

  readonly extraHostBuiltins: Readonly<Record<string, number>>;
  readonly strictBuiltinErrors: boolean;
  private readonly queryPackages: ReadonlySet<string>;

  constructor(readonly modules: readonly Module[], options: PlannerOptions = {}, tree: TreeNode = buildRuleTree(modules)) {
    this.tree = tree;
    this.extraHostBuiltins = options.hostBuiltins ?? {};
    this.strictBuiltinErrors = options.strictBuiltinErrors ?? false;
    this.queryPackages = new Set(options.queryPackages ?? []);
  }

  constant(c: ConstValue): number {
    const key = JSON.stringify(c.t === 'number' ? { t: c.text.startsWith('i32:') ? 'i32' : 'number', v: c.v } : c);
    let i = this.constantIndex.get(key);
    if (i === undefined) { i = this.constants.length; this.constants.push(c); this.constantIndex.set(key, i); }
    return i;
  }
  /** i32 immediates travel as number constants with a marker the emitter reads as a raw integer. */
  i32(n: number): Operand { return { const: this.constant({ t: 'number', v: n, text: `i32:${n}` }) }; }
  message(loc: Location, text: string): number {
    this.messages.push(`${formatLocation(loc)}: ${text}`);
    return this.messages.length - 1;
  }
  hostBuiltin(name: string): number {
    let id = this.hostBuiltins.get(name);
    if (id === undefined) { id = this.hostBuiltins.size; this.hostBuiltins.set(name, id); }
    return id;
  }

  /** The IR function computing a rule group (planned lazily, once). */
  functionFor(group: RuleGroup, noMemo = false): string {
    const key = `rule${noMemo ? '-nomemo' : ''}:` + group.path.join('.');
    let name = this.functionNames.get(key);
    if (name) return name;
    name = `rule_${group.path.join('_').replace(/[^A-Za-z0-9_]/g, '_')}_${this.functionNames.size}`;
    this.functionNames.set(key, name);
    this.functionOrigins.set(name, { loc: (group.rules[0] ?? group.defaultRule)!.loc, path: group.path.join('.') });
    const fnName = name;
    this.pending.push(() => this.planGroup(group, fnName, noMemo));
    return name;
  }

  private packageFunction(path: readonly string[], node: TreeNode, noMemo: boolean): string {
    const key = `pkg${noMemo ? '-nomemo' : ''}:` + path.join('.');
    let name = this.functionNames.get(key);
    if (name) return name;
    name = `pkg_${path.join('_').replace(/[^A-Za-z0-9_]/g, '_')}_${this.functionNames.size}`;
    this.functionNames.set(key, name);
    const fnName = name;
    this.pending.push(() => this.planPackage(path, node, fnName, noMemo));
    return name;
  }

  /** Resolves `data.<path>` statically: a rule, a package document, or base data. */
  resolveData(path: readonly string[], loc: Location, body: DataAccess): { value: Operand; rest: string[] } {
    let node: TreeNode = this.tree;
    for (let i = 0; i < path.length; i++) {
      if (node.group) break;
      const child = node.children.get(path[i]!);
      if (!child) {
        // Leaves the rule tree: base data (rules never share a path with base data).
        return { value: body.baseData(path), rest: [] };
      }
      node = child;
      if (node.group) {
        if (node.group.kind === 'function') throw new RegoCompileError(loc, 'function ref', `rego_type_error: function data.${node.group.path.join('.')} referenced without a call`);
        return { value: body.callFunction(this.functionFor(node.group, body.noMemo), loc), rest: path.slice(i + 1) };
      }
    }
    return { value: body.callFunction(this.packageFunction(path, node, body.noMemo), loc), rest: [] };
  }

  private planGroup(group: RuleGroup, name: string, noMemo: boolean): void {
    const isFunction = group.kind === 'function';
    const fb = new FunctionBuilder(2 + (isFunction ? group.arity : 0));
    const result = fb.newLocal();
    const body: Stmt[] = [];
    const memoSlot = isFunction || noMemo ? null : this.memoSlots++;
    const conflict = (loc: Location): number =>
      this.message(loc, isFunction ? 'eval_conflict_error: functions must not produce multiple outputs for same inputs' : 'eval_conflict_error: complete rules must not produce multiple outputs');
    if (group.kind === 'partialset' || group.kind === 'partialobject') {
      body.push({ op: 'call', fn: group.kind === 'partialset' ? 'rt_set' : 'rt_object', args: [this.i32(4)], target: result });
    }
    for (const rule of group.rules) {
      const scope = new ModuleScope(this.tree, group.module, declaredNames(rule));
      const clauses = [{ value: rule.value, body: rule.body, loc: rule.loc }, ...rule.elses];
      const ruleResult = fb.newLocal();
      // `else` clauses run only while the chain has produced no value.
      clauses.forEach((clause, i) => {
        const block: Stmt = { op: 'block', body: [] };
        body.push(i === 0 ? block : { op: 'ifUndefined', local: ruleResult, body: [block] });
        const bp = new BodyPlanner(this, scope, fb, block.body, noMemo);
        bp.ruleMetadata = rule.metadata;
        const env: Env = new Map();
        if (isFunction) rule.args.forEach((arg, k) => bindArg(bp, arg, 2 + k, env, scope.isVar));
        bp.planBody(clause.body, env);
        if (group.kind === 'partialset') {
          const v = bp.planTerm(rule.key!, env);
          bp.out.push({ op: 'effect', fn: 'rt_set_add', args: [{ local: result }, v] });
        } else if (group.kind === 'partialobject') {
          const k = bp.planTerm(rule.key!, env);
          const v = bp.planTerm(clause.value, env);
          bp.out.push({ op: 'objectInsertOnce', object: result, key: k, value: v, message: this.message(rule.loc, 'eval_conflict_error: object keys must be unique') });
        } else {
          const v = bp.planTerm(clause.value, env);
          bp.out.push({ op: 'assignOnce', target: ruleResult, source: v, message: conflict(rule.loc) });
        }
      });
      if (group.kind === 'complete' || isFunction) body.push({ op: 'assignOnce', target: result, source: { local: ruleResult }, message: conflict(rule.loc) });
    }
    if (group.defaultRule) {
      const d = group.defaultRule;
      const guard: Stmt = { op: 'ifUndefined', local: result, body: [] };
      body.push(guard);
      const scope = new ModuleScope(this.tree, group.module, declaredNames(d));
      const bp = new BodyPlanner(this, scope, fb, guard.body, noMemo);
      bp.ruleMetadata = d.metadata;
      const v = bp.planTerm(d.value, new Map());
      bp.out.push({ op: 'assign', target: result, source: v });
    }
    if (memoSlot !== null) body.push({ op: 'memoReturn', slot: memoSlot, result });
    this.functions.push({ name, params: fb.params, locals: fb.locals, body, result, memoSlot });
  }

  private planPackage(path: readonly string[], node: TreeNode, name: string, noMemo: boolean): void {
    const fb = new FunctionBuilder(2);
    const result = fb.newLocal();
    const body: Stmt[] = [];
    const bp = new BodyPlanner(this, new ModuleScope(this.tree, this.modules[0]!, new Set()), fb, body, noMemo);
    body.push({ op: 'call', fn: 'rt_object', args: [this.i32(node.children.size)], target: result });
    for (const [seg, child] of node.children) {
      if (child.group?.kind === 'function') continue;
      if (path.length === 0 && this.queryPackages.has(seg)) continue;
      const block: Stmt = { op: 'block', body: [] };
      body.push(block);
      bp.out = block.body;
      const fn = child.group ? this.functionFor(child.group, noMemo) : this.packageFunction([...path, seg], child, noMemo);
      const value = bp.callFunction(fn, { file: '', line: 0, col: 0 });
      block.body.push({ op: 'effect', fn: 'rt_object_put', args: [{ local: result }, { const: this.constant({ t: 'string', v: seg }) }, value] });
    }
    // Base data at the same path merges in; where a key is both a rule and base data, OPA's
    // wasm keeps the base document, so it is put last.
    const base: Stmt = { op: 'block', body: [] };
    body.push(base);
    bp.out = base.body;
    const baseValue = bp.baseData(path);
    const k = fb.newLocal();
    const v = fb.newLocal();
    base.body.push({ op: 'scan', source: baseValue, key: k, value: v, body: [{ op: 'effect', fn: 'rt_object_merge_put', args: [{ local: result }, { local: k }, { local: v }] }] });
    this.functions.push({ name, params: 2, locals: fb.locals, body, result, memoSlot: null });
  }

  /** Plans entrypoints (`pkg/rule` paths) and everything they reach. */
  plan(entrypoints: readonly string[]): IrPolicy {
    const eps: { path: string; fn: string }[] = [];
    for (const ep of entrypoints) {
      const path = ep.split('/').filter((s) => s.length > 0);
      const fb = new FunctionBuilder(2);
      const result = fb.newLocal();
      const body: Stmt[] = [];
      const block: Stmt = { op: 'block', body: [] };
      body.push(block);
      const bp = new BodyPlanner(this, new ModuleScope(this.tree, this.modules[0] ?? { file: '', packagePath: [], imports: [], rules: [] }, new Set()), fb, block.body);
      const node = lookupNode(this.tree, path);
      if (!node) throw new RegoCompileError({ file: '<entrypoint>', line: 1, col: 1 }, 'entrypoint', `entrypoint ${ep} does not name a rule or package (choose one with -e <package path>/<rule>)`);
      if (node.group?.kind === 'function') throw new RegoCompileError(node.group.rules[0]?.loc ?? { file: '<entrypoint>', line: 1, col: 1 }, 'entrypoint', `entrypoint ${ep} is a function`);
      const { value } = this.resolveData(path, { file: '<entrypoint>', line: 1, col: 1 }, bp);
      bp.out.push({ op: 'assign', target: result, source: value });
      const name = `entry_${eps.length}`;
      this.functions.push({ name, params: 2, locals: fb.locals, body, result, memoSlot: null });
      eps.push({ path: path.join('/'), fn: name });
    }
    while (this.pending.length > 0) this.pending.shift()!();
    checkRecursion(this.functions, this.functionOrigins);
    return {
      constants: this.constants, messages: this.messages, functions: this.functions, entrypoints: eps,
      hostBuiltins: this.hostBuiltins, memoSlots: this.memoSlots, inputPaths: inputPathTree(this.inputPaths),
    };
  }
}

function bindArg(bp: BodyPlanner, arg: Term, param: number, env: Env, isVar: (n: string) => boolean): void {
  if (arg.type === 'var' && isVar(arg.name)) {
    if (arg.name !== '_') env.set(arg.name, param);
    return;
  }
  bp.unifyOperand(arg, { local: param }, env);
}

/** Rules that depend on themselves would recurse forever: OPA rejects them at compile time. */
function checkRecursion(functions: readonly IrFunction[], origins: ReadonlyMap<string, { loc: Location; path: string }>): void {
  const calls = new Map<string, Set<string>>();
  const collect = (stmts: Stmt[], into: Set<string>): void => {
    for (const s of stmts) {
      if (s.op === 'call' && (s.fn.startsWith('rule_') || s.fn.startsWith('pkg_'))) into.add(s.fn);
      if ('body' in s) collect(s.body, into);
    }
  };
  for (const f of functions) { const set = new Set<string>(); collect(f.body, set); calls.set(f.name, set); }
  const state = new Map<string, 1 | 2>();
  const visit = (n: string): void => {
    if (state.get(n) === 2) return;
    if (state.get(n) === 1) {
      const origin = origins.get(n);
      throw new RegoCompileError(origin?.loc ?? { file: '<policy>', line: 1, col: 1 }, 'recursion', `rego_recursion_error: rule data.${origin?.path ?? n} is recursive (it depends on itself, e.g. through data.<its package>)`);
    }
    state.set(n, 1);
    for (const c of calls.get(n) ?? []) visit(c);
    state.set(n, 2);
  };
  for (const f of functions) visit(f.name);
}

