import type { Z3_ast, Z3_solver } from 'z3-solver';
import type { SortName, TemplateSpec } from './policy.ts';
import { smtSort, smtTerm } from './smt-values.ts';
import type { Z3Session } from './z3-session.ts';

/** What one template says about one set of bindings. */
export interface TemplateVerdict {
  readonly template: string;
  readonly status: 'sat' | 'unsat' | 'unknown';
  /** Unsat: the constraints in the unsat core. Unknown: Z3's reason. */
  readonly violated: readonly string[];
  readonly reason?: string;
}

/** Binding name → numeral text (already converted by `numeralText`, so the worker never sees raw JSON). */
export type NumeralBindings = Readonly<Record<string, string>>;

/** SMT-LIB declarations of a template's bindings, variables and parameters. */
export function templateDeclarations(template: TemplateSpec): string {
  const lines: string[] = [];
  for (const [name, binding] of Object.entries(template.bindings)) lines.push(`(declare-const ${name} ${smtSort(binding.sort)})`);
  for (const [name, sort] of Object.entries(template.variables ?? {})) lines.push(`(declare-const ${name} ${smtSort(sort)})`);
  for (const [name, parameter] of Object.entries(template.parameters ?? {})) {
    lines.push(`(define-fun ${name} () ${smtSort(parameter.sort)} ${smtTerm(parameter.sort, parameter.value)})`);
  }
  return lines.join('\n');
}

/**
 * Parameters of the fast (untracked) solver, chosen by counting the work a tier-quota check does (every call
 * Z3 makes inside a C++ `try` crosses into JS in this wasm build, so fewer calls is the cost model):
 * - `arith.solver` 2, the simplex-based arithmetic solver: about a third fewer calls per check than the
 *   default (lra) on these small linear templates; both are complete for linear arithmetic;
 * - `propagate_values` off: a preprocessing pass over the formulas each check adds (here the assumptions'
 *   proxies), whose values the core propagates anyway;
 * - `arith.propagation_mode` 0 and `arith.propagate_eqs` off: no bound or equality propagation to other
 *   literals; the simplex still decides every check, it just does not pre-empt case splits these small
 *   templates barely have. Together 12,200 → 4,200 calls per check.
 * A harder template that runs out of `rlimit` here is answered by the tracked solver, as before.
 * Only the fast solver uses them: the tracked solver, whose unsat cores name the violated constraints, keeps
 * Z3's defaults so denials are explained as before.
 */
export const FAST_CHECK_PARAMS = { 'arith.solver': 2, propagate_values: false, 'arith.propagation_mode': 0, 'arith.propagate_eqs': false } as const;

/**
 * One template, decided in two steps.
 *
 * 1. A fast answer that only ever allows:
 *    - a template without variables is ground once its bindings have values, so it is evaluated: the
 *      constraints' conjunction with values substituted, folded by Z3's rewriter to true or false (no solver);
 *    - a template with variables (an existential question, e.g. "is there an allocation …") goes to an
 *      untracked solver that has the constraints asserted once and gets the `binding = value` equalities as
 *      assumptions (`check_assumptions`): nothing is pushed, asserted or popped, so Z3 neither preprocesses
 *      new assertions nor rebuilds theory state per check.
 *    True / sat is the verdict (allow).
 * 2. Otherwise (false, unsat, or unknown when the resource limit ran out) the tracked solver decides, as
 *    before this split: each constraint is tracked by its own literal so an unsat core names the constraints
 *    that failed; push, assert the equalities, check, pop. Its status and core are the verdict, so denials
 *    give the same reasons as a tracked-only check.
 *
 * Cost (Z3-internal calls per tier-quota check, which is what time follows in this wasm build): about 4,200
 * on the fast solver against 12,200 tracked; an impact-gate evaluation about 600 against 4,600. Denials pay
 * both steps, a few per cent more than the tracked check alone.
 */
export class TemplateSolver {
  readonly id: string;
  /** Conjunction of the constraints, for templates without variables (evaluated instead of solved). */
  private readonly groundFormula: Z3_ast | undefined;
  /** Untracked solver, for templates with variables. */
  private readonly fastSolver: Z3_solver | undefined;
  private readonly trackedSolver: Z3_solver;
  private readonly bindingConstants: readonly { readonly name: string; readonly ast: Z3_ast; readonly sort: SortName }[];
  private readonly constantAsts: readonly Z3_ast[];
  private readonly constraintByTrackerId = new Map<number, string>();
  private readonly owned: Z3_ast[] = [];
  /** Parsed constraint terms, for the static checks (which assert them untracked on a scratch solver). */
  readonly constraintTerms: readonly Z3_ast[];

  constructor(private readonly session: Z3Session, readonly template: TemplateSpec, rlimit: number) {
    this.id = template.id;
    const { Z3 } = session.z3;
    const declarations = templateDeclarations(template);
    const script = `${declarations}\n${template.constraints.map((c) => `(assert ${c.assert})`).join('\n')}`;
    const terms = session.parseAssertions(script, `template ${template.id}`);
    if (terms.length !== template.constraints.length) {
      terms.forEach((t) => session.release(t));
      throw new Error(`template ${template.id}: expected ${template.constraints.length} assertions, parsed ${terms.length}`);
    }
    this.constraintTerms = terms;
    this.owned.push(...terms);
    const budget = template.rlimit ?? rlimit;
    if (Object.keys(template.variables ?? {}).length === 0) {
      const conjunction = Z3.mk_and(session.ctx, terms);
      session.assertOk(`template ${template.id}: conjunction`);
      Z3.inc_ref(session.ctx, conjunction);
      this.owned.push(conjunction);
      this.groundFormula = conjunction;
    } else {
      this.fastSolver = session.solver(budget, FAST_CHECK_PARAMS);
      for (const term of terms) Z3.solver_assert(session.ctx, this.fastSolver, term);
      session.assertOk(`template ${template.id}: assert`);
    }
    this.trackedSolver = session.solver(budget);
    template.constraints.forEach((constraint, i) => {
      const tracker = session.constant(`track!${template.id}!${constraint.name}`, 'Bool');
      this.owned.push(tracker);
      this.constraintByTrackerId.set(session.astId(tracker), constraint.name);
      Z3.solver_assert_and_track(session.ctx, this.trackedSolver, terms[i] as Z3_ast, tracker);
      session.assertOk(`template ${template.id}: assert ${constraint.name}`);
    });
    this.bindingConstants = Object.entries(template.bindings).map(([name, binding]) => {
      const ast = session.constant(name, binding.sort);
      this.owned.push(ast);
      return { name, ast, sort: binding.sort };
    });
    this.constantAsts = this.bindingConstants.map((c) => c.ast);
  }

  /** The verdict: the fast answer when it allows, else the tracked solver's (status and unsat core). */
  check(bindings: NumeralBindings): TemplateVerdict {
    return this.withValues(bindings, (values) => (this.fast(values) === 'sat' ? { template: this.id, status: 'sat', violated: [] } : this.tracked(values)));
  }

  /** The tracked solver's verdict alone (what `check` answers when the fast step does not allow). For warm-up and tests. */
  checkTracked(bindings: NumeralBindings): TemplateVerdict {
    return this.withValues(bindings, (values) => this.tracked(values));
  }

  /** The fast step's answer alone ('unknown' also when an evaluation does not fold to true or false). For tests. */
  checkFast(bindings: NumeralBindings): 'sat' | 'unsat' | 'unknown' {
    return this.withValues(bindings, (values) => this.fast(values));
  }

  /** Runs `use` with the bindings' values as Z3 numerals (in binding order), released afterwards. */
  private withValues<T>(bindings: NumeralBindings, use: (values: readonly Z3_ast[]) => T): T {
    const { session } = this;
    const values: Z3_ast[] = [];
    try {
      for (const constant of this.bindingConstants) {
        const text = bindings[constant.name];
        if (text === undefined) throw new Error(`template ${this.id}: binding ${constant.name} has no value`);
        values.push(session.literal(constant.sort, text));
      }
      return use(values);
    } finally {
      for (const ast of values) session.release(ast);
    }
  }

  private fast(values: readonly Z3_ast[]): 'sat' | 'unsat' | 'unknown' {
    const { session } = this;
    if (this.groundFormula !== undefined) {
      const value = session.evaluate(this.groundFormula, this.constantAsts, values);
      return value === true ? 'sat' : value === false ? 'unsat' : 'unknown';
    }
    const equalities = this.equalities(values);
    try {
      return session.check(this.fastSolver as Z3_solver, equalities);
    } finally {
      for (const ast of equalities) session.release(ast);
    }
  }

  /** `binding = value` for every binding, each kept alive until the caller releases it. */
  private equalities(values: readonly Z3_ast[]): Z3_ast[] {
    const equalities: Z3_ast[] = [];
    try {
      this.constantAsts.forEach((constant, i) => equalities.push(this.session.equals(constant, values[i] as Z3_ast)));
    } catch (error) {
      for (const ast of equalities) this.session.release(ast);
      throw error;
    }
    return equalities;
  }

  private tracked(values: readonly Z3_ast[]): TemplateVerdict {
    const { session, trackedSolver: solver } = this;
    const { Z3 } = session.z3;
    const equalities = this.equalities(values);
    Z3.solver_push(session.ctx, solver);
    try {
      for (const equality of equalities) Z3.solver_assert(session.ctx, solver, equality);
      session.assertOk(`template ${this.id}: bind`);
      const status = session.check(solver);
      if (status === 'sat') return { template: this.id, status, violated: [] };
      if (status === 'unknown') return { template: this.id, status, violated: [], reason: session.reasonUnknown(solver) };
      const violated = session.unsatCoreIds(solver).map((id) => this.constraintByTrackerId.get(id)).filter((n): n is string => n !== undefined);
      // Bindings alone can be contradictory only if a template repeats a binding name; say so rather than naming nothing.
      return { template: this.id, status, violated: violated.length > 0 ? violated : ['(bindings)'] };
    } finally {
      Z3.solver_pop(session.ctx, solver, 1);
      for (const ast of equalities) session.release(ast);
    }
  }

  dispose(): void {
    const { session } = this;
    if (this.fastSolver !== undefined) session.z3.Z3.solver_dec_ref(session.ctx, this.fastSolver);
    session.z3.Z3.solver_dec_ref(session.ctx, this.trackedSolver);
    for (const ast of this.owned) session.release(ast);
    this.owned.length = 0;
  }
}
