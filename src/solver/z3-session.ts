import type { Z3_ast, Z3_context, Z3_solver, Z3_sort } from 'z3-solver';
import type { SortName } from './policy.ts';
import type { Z3Instance } from './z3-module.ts';

/** Solver parameters by name: booleans and unsigned integers (all this stage sets). */
export type SolverParams = Readonly<Record<string, boolean | number>>;

/** Z3_lbool as returned by the synchronous check. */
export type CheckStatus = 'sat' | 'unsat' | 'unknown';

export class Z3CallError extends Error {
  override readonly name = 'Z3CallError';
}

/**
 * One reference-counted Z3 context and the few low-level operations the solver stage needs, all synchronous.
 *
 * Reference counting: in an `_rc` context an AST lives only while its count is positive, and Z3 keeps just
 * the last result alive for us. Every AST kept beyond the next call is `inc_ref`'d here and `dec_ref`'d by
 * its owner (without it: `ASSERTION VIOLATION ast.cpp:375`). The error handler is a no-op, so every call that
 * can fail is followed by an error-code check that turns a silent 0 into an exception.
 */
export class Z3Session {
  readonly ctx: Z3_context;
  private readonly sorts = new Map<SortName, Z3_sort>();
  /** Scratch arrays in wasm memory for calls that take AST arrays: [assumptions | substitute from, substitute to]. */
  private readonly buffers: { ptr: number; capacity: number }[] = [{ ptr: 0, capacity: 0 }, { ptr: 0, capacity: 0 }];

  constructor(readonly z3: Z3Instance) {
    const config = z3.Z3.mk_config();
    this.ctx = z3.Z3.mk_context_rc(config);
    z3.Z3.del_config(config);
  }

  /** Throws when the last call left an error code (the no-op handler hides errors otherwise). */
  assertOk(what: string): void {
    const code = this.z3.Z3.get_error_code(this.ctx);
    if (code !== 0) throw new Z3CallError(`${what}: ${this.z3.Z3.get_error_msg(this.ctx, code)}`);
  }

  sort(name: SortName): Z3_sort {
    let sort = this.sorts.get(name);
    if (sort === undefined) {
      const { Z3 } = this.z3;
      sort = name === 'Int' ? Z3.mk_int_sort(this.ctx)
        : name === 'Real' ? Z3.mk_real_sort(this.ctx)
        : name === 'Bool' ? Z3.mk_bool_sort(this.ctx)
        : Z3.mk_bv_sort(this.ctx, 64);
      Z3.inc_ref(this.ctx, sort as unknown as Z3_ast);
      this.sorts.set(name, sort);
    }
    return sort;
  }

  /** A named constant, kept alive until `release`. Equal to the constant the SMT-LIB parser makes for the same name and sort. */
  constant(name: string, sort: SortName): Z3_ast {
    const { Z3 } = this.z3;
    const ast = Z3.mk_const(this.ctx, Z3.mk_string_symbol(this.ctx, name), this.sort(sort));
    this.assertOk(`declare ${name}`);
    Z3.inc_ref(this.ctx, ast);
    return ast;
  }

  /** A literal value of a sort (see `smtNumeral` for the text form), kept alive until `release`. */
  literal(sort: SortName, text: string): Z3_ast {
    const { Z3 } = this.z3;
    const ast = sort === 'Bool'
      ? (text === 'true' ? Z3.mk_true(this.ctx) : Z3.mk_false(this.ctx))
      : Z3.mk_numeral(this.ctx, text, this.sort(sort));
    this.assertOk(`numeral ${text} : ${sort}`);
    Z3.inc_ref(this.ctx, ast);
    return ast;
  }

  equals(left: Z3_ast, right: Z3_ast): Z3_ast {
    const ast = this.z3.Z3.mk_eq(this.ctx, left, right);
    this.assertOk('equality');
    this.z3.Z3.inc_ref(this.ctx, ast);
    return ast;
  }

  release(ast: Z3_ast): void {
    this.z3.Z3.dec_ref(this.ctx, ast);
  }

  /** Parses an SMT-LIB script and returns its assertions, in order, each kept alive until `release`. */
  parseAssertions(script: string, what: string): Z3_ast[] {
    const { Z3 } = this.z3;
    const vector = Z3.parse_smtlib2_string(this.ctx, script, [], [], [], []);
    this.assertOk(`${what}: SMT-LIB`);
    Z3.ast_vector_inc_ref(this.ctx, vector);
    const asts: Z3_ast[] = [];
    const size = Z3.ast_vector_size(this.ctx, vector);
    for (let i = 0; i < size; i++) {
      const ast = Z3.ast_vector_get(this.ctx, vector, i);
      Z3.inc_ref(this.ctx, ast);
      asts.push(ast);
    }
    Z3.ast_vector_dec_ref(this.ctx, vector);
    return asts;
  }

  /**
   * A persistent solver. `mk_simple_solver` uses the incremental core straight away; an unpushed `mk_solver`
   * would run the non-incremental tactic portfolio (~10 ms per check). `rlimit` bounds the work per check in
   * Z3's own deterministic units (wall time is enforced from outside: Z3 polls cancellation only at safe points).
   * `params` are further solver parameters (e.g. the template solvers' `SOLVER_PARAMS`).
   */
  solver(rlimit: number, params: SolverParams = {}): Z3_solver {
    const { Z3 } = this.z3;
    const solver = Z3.mk_simple_solver(this.ctx);
    Z3.solver_inc_ref(this.ctx, solver);
    const all: SolverParams = rlimit > 0 ? { ...params, rlimit } : params;
    if (Object.keys(all).length > 0) {
      const set = Z3.mk_params(this.ctx);
      Z3.params_inc_ref(this.ctx, set);
      for (const [name, value] of Object.entries(all)) {
        const symbol = Z3.mk_string_symbol(this.ctx, name);
        if (typeof value === 'boolean') Z3.params_set_bool(this.ctx, set, symbol, value);
        else Z3.params_set_uint(this.ctx, set, symbol, value);
      }
      Z3.solver_set_params(this.ctx, solver, set);
      Z3.params_dec_ref(this.ctx, set);
    }
    this.assertOk('solver');
    return solver;
  }

  /** Copies AST handles into scratch buffer `slot` (wasm memory) and returns its address. */
  private astArray(slot: number, asts: readonly Z3_ast[]): number {
    const em = this.z3.em;
    const buffer = this.buffers[slot] as { ptr: number; capacity: number };
    if (buffer.capacity < asts.length) {
      if (buffer.ptr !== 0) em._free(buffer.ptr);
      buffer.capacity = Math.max(16, asts.length);
      buffer.ptr = em._malloc(buffer.capacity * 4);
    }
    for (let i = 0; i < asts.length; i++) em.HEAPU32[buffer.ptr / 4 + i] = asts[i] as unknown as number;
    return buffer.ptr;
  }

  /** The synchronous check (the typed wrapper only offers an async one that hops through a pthread). */
  check(solver: Z3_solver, assumptions: readonly Z3_ast[] = []): CheckStatus {
    const em = this.z3.em;
    const result = assumptions.length === 0
      ? em._Z3_solver_check(this.ctx as unknown as number, solver as unknown as number)
      : em._Z3_solver_check_assumptions(this.ctx as unknown as number, solver as unknown as number, assumptions.length, this.astArray(0, assumptions));
    this.assertOk('check');
    return result === 1 ? 'sat' : result === -1 ? 'unsat' : 'unknown';
  }

  /**
   * Evaluates a formula with constants replaced by values: substitute, then simplify (synchronously; the
   * typed `simplify` is async). When every constant gets a value the rewriter folds the ground formula to
   * `true` or `false`; anything else (it cannot fold a term) is `undefined`, for the caller to decide another way.
   */
  evaluate(formula: Z3_ast, constants: readonly Z3_ast[], values: readonly Z3_ast[]): boolean | undefined {
    const { Z3, em } = this.z3;
    const ctx = this.ctx as unknown as number;
    const substituted = em._Z3_substitute(ctx, formula as unknown as number, constants.length, this.astArray(0, constants), this.astArray(1, values));
    this.assertOk('substitute');
    Z3.inc_ref(this.ctx, substituted as unknown as Z3_ast);
    try {
      const simplified = em._Z3_simplify(ctx, substituted) as unknown as Z3_ast;
      this.assertOk('simplify');
      const value = Z3.get_bool_value(this.ctx, simplified);
      return value === 1 ? true : value === -1 ? false : undefined;
    } finally {
      Z3.dec_ref(this.ctx, substituted as unknown as Z3_ast);
    }
  }

  /** Ids of the ASTs in the last unsat core (tracking literals, when assertions were tracked). */
  unsatCoreIds(solver: Z3_solver): number[] {
    const { Z3 } = this.z3;
    const core = Z3.solver_get_unsat_core(this.ctx, solver);
    Z3.ast_vector_inc_ref(this.ctx, core);
    const ids: number[] = [];
    const size = Z3.ast_vector_size(this.ctx, core);
    for (let i = 0; i < size; i++) ids.push(Z3.get_ast_id(this.ctx, Z3.ast_vector_get(this.ctx, core, i)));
    Z3.ast_vector_dec_ref(this.ctx, core);
    return ids;
  }

  /** Values of constants in the last model, as SMT-LIB text (for witnesses in reports). */
  modelValues(solver: Z3_solver, constants: ReadonlyMap<string, Z3_ast>): Record<string, string> {
    const { Z3 } = this.z3;
    const model = Z3.solver_get_model(this.ctx, solver);
    Z3.model_inc_ref(this.ctx, model);
    const values: Record<string, string> = {};
    for (const [name, ast] of constants) {
      const value = Z3.model_eval(this.ctx, model, ast, true);
      if (value !== null) values[name] = Z3.ast_to_string(this.ctx, value);
    }
    Z3.model_dec_ref(this.ctx, model);
    return values;
  }

  reasonUnknown(solver: Z3_solver): string {
    return this.z3.Z3.solver_get_reason_unknown(this.ctx, solver);
  }

  astId(ast: Z3_ast): number {
    return this.z3.Z3.get_ast_id(this.ctx, ast);
  }

  dispose(): void {
    for (const buffer of this.buffers) if (buffer.ptr !== 0) this.z3.em._free(buffer.ptr);
    this.z3.Z3.del_context(this.ctx);
  }
}
