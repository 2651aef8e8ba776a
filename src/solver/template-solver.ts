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
 * Parameters of the template solvers, chosen by counting the work a tier-quota check does (every call Z3 makes
 * inside a C++ `try` crosses into JS in this wasm build, so fewer calls is the cost model):
 * - `arith.solver` 2, the simplex-based arithmetic solver: about a third fewer calls per check than the
 *   default (lra) on these small linear templates; both are complete for linear arithmetic;
 * - `propagate_values` off: a preprocessing pass over the formulas each check adds (here the assumptions'
 *   proxies), whose values the core propagates anyway;
 * - `arith.propagation_mode` 0 and `arith.propagate_eqs` off: no bound or equality propagation to other
 *   literals; the simplex still decides every check, it just does not pre-empt case splits these small
 *   templates barely have.
 * With the values passed as assumptions (see TemplateSolver) a check went from 12,200 calls to 4,200 (sat)
 * and 3,600 (unsat, core included).
 */
export const SOLVER_PARAMS = { 'arith.solver': 2, propagate_values: false, 'arith.propagation_mode': 0, 'arith.propagate_eqs': false } as const;

/**
 * One template on one persistent solver, plus an evaluation shortcut for templates without variables.
 *
 * - The solver has every constraint asserted once, tracked by its own literal, so an unsat core names the
 *   constraints that failed. A check passes the `binding = value` equalities as assumptions
 *   (`check_assumptions`): nothing is pushed, asserted or popped, so Z3 neither preprocesses new assertions
 *   nor rebuilds theory state per check (push / assert / check / pop cost three times as much).
 * - A template without variables is ground once its bindings have values, so it is first evaluated: the
 *   constraints' conjunction with values substituted, folded by Z3's rewriter (~600 calls, no solver). True
 *   allows; false goes to the solver for the unsat core.
 * - A core can name a constraint the values satisfy on their own (e.g. `positive-request` next to the cap that
 *   failed): it is implied by the equalities, so the core without it is still unsat. Such constraints are
 *   dropped from the reasons, which then name only constraints that fail or that fail together.
 *
 * When a request breaks several constraints independently, which of them a core names depends on the solver's
 * history (it did with the former tracked push/pop check too); any answer is an unsat core.
 */
export class TemplateSolver {
  readonly id: string;
  /** Conjunction of the constraints, for templates without variables (evaluated before solving). */
  private readonly groundFormula: Z3_ast | undefined;
  private readonly solver: Z3_solver;
  private readonly bindingConstants: readonly { readonly name: string; readonly ast: Z3_ast; readonly sort: SortName }[];
  private readonly constantAsts: readonly Z3_ast[];
  /** Tracking literal id → the constraint it tracks (name and parsed term). */
  private readonly constraintByTrackerId = new Map<number, { readonly name: string; readonly term: Z3_ast }>();
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
    if (Object.keys(template.variables ?? {}).length === 0) {
      const conjunction = Z3.mk_and(session.ctx, terms);
      session.assertOk(`template ${template.id}: conjunction`);
      Z3.inc_ref(session.ctx, conjunction);
      this.owned.push(conjunction);
      this.groundFormula = conjunction;
    }
    this.solver = session.solver(template.rlimit ?? rlimit, SOLVER_PARAMS);
    template.constraints.forEach((constraint, i) => {
      const tracker = session.constant(`track!${template.id}!${constraint.name}`, 'Bool');
      this.owned.push(tracker);
      this.constraintByTrackerId.set(session.astId(tracker), { name: constraint.name, term: terms[i] as Z3_ast });
      Z3.solver_assert_and_track(session.ctx, this.solver, terms[i] as Z3_ast, tracker);
      session.assertOk(`template ${template.id}: assert ${constraint.name}`);
    });
    this.bindingConstants = Object.entries(template.bindings).map(([name, binding]) => {
      const ast = session.constant(name, binding.sort);
      this.owned.push(ast);
      return { name, ast, sort: binding.sort };
    });
    this.constantAsts = this.bindingConstants.map((c) => c.ast);
  }

  /** The verdict: true evaluation allows; otherwise the solver decides (status, and the reasons of a denial). */
  check(bindings: NumeralBindings): TemplateVerdict {
    return this.withValues(bindings, (values) => {
      if (this.groundFormula !== undefined && this.session.evaluate(this.groundFormula, this.constantAsts, values) === true) {
        return { template: this.id, status: 'sat', violated: [] };
      }
      return this.solve(values);
    });
  }

  /** The solver's verdict, without the evaluation shortcut. For warm-up and tests. */
  checkSolver(bindings: NumeralBindings): TemplateVerdict {
    return this.withValues(bindings, (values) => this.solve(values));
  }

  /** The evaluation shortcut alone: undefined for a template with variables, or when the rewriter cannot fold it. For tests. */
  evaluate(bindings: NumeralBindings): boolean | undefined {
    const formula = this.groundFormula;
    if (formula === undefined) return undefined;
    return this.withValues(bindings, (values) => this.session.evaluate(formula, this.constantAsts, values));
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

  private solve(values: readonly Z3_ast[]): TemplateVerdict {
    const { session, solver } = this;
    const equalities: Z3_ast[] = [];
    try {
      this.constantAsts.forEach((constant, i) => equalities.push(session.equals(constant, values[i] as Z3_ast)));
      const status = session.check(solver, equalities);
      if (status === 'sat') return { template: this.id, status, violated: [] };
      if (status === 'unknown') return { template: this.id, status, violated: [], reason: session.reasonUnknown(solver) };
      const core: { readonly name: string; readonly term: Z3_ast }[] = [];
      for (const id of session.unsatCoreIds(solver)) {
        const constraint = this.constraintByTrackerId.get(id);
        if (constraint !== undefined) core.push(constraint);
      }
      // The equalities are assumptions too; only the tracking literals name constraints.
      const failing = core.filter((c) => session.evaluate(c.term, this.constantAsts, values) !== true);
      const violated = (failing.length > 0 ? failing : core).map((c) => c.name);
      // Bindings alone can be contradictory only if a template repeats a binding name; say so rather than naming nothing.
      return { template: this.id, status, violated: violated.length > 0 ? violated : ['(bindings)'] };
    } finally {
      for (const ast of equalities) session.release(ast);
    }
  }

  dispose(): void {
    const { session } = this;
    session.z3.Z3.solver_dec_ref(session.ctx, this.solver);
    for (const ast of this.owned) session.release(ast);
    this.owned.length = 0;
  }
}
