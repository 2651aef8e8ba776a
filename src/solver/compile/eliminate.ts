import type { Z3_ast, Z3_tactic } from 'z3-solver';
import type { SortName } from '../policy.ts';
import type { Z3Session } from '../z3-session.ts';

/**
 * Quantifier elimination with Z3 tactics: ∃ variables. (conjunction of constraints) becomes a quantifier-free
 * formula over the bindings alone. Tried in order, the first that succeeds within the budget wins:
 *
 * - `qe2` (model-based projection) then `simplify` and `ctx-solver-simplify`: on tier-quota, a CNF of ~20
 *   linear clauses, the fastest here;
 * - `qe` then the same simplifications: the classic Cooper/Fourier–Motzkin route, larger output (a few dozen
 *   conjunctions under `let`s), kept for formulas `qe2` cannot project;
 * - `qe` then `simplify`: when the context simplification runs out of budget.
 *
 * Only equivalence-preserving tactics are used (no `nnf`, `solve-eqs` or `elim-uncnstr`: they introduce
 * fresh names or drop constants, giving an equisatisfiable goal, not an equivalent one).
 */

export const ELIMINATION_PIPELINES: readonly (readonly string[])[] = [
  ['qe2', 'simplify', 'ctx-solver-simplify'],
  ['qe', 'simplify', 'ctx-solver-simplify'],
  ['qe', 'simplify'],
];

export interface Elimination {
  /** Disjunction of subgoals, each a conjunction of formulas (each kept alive until `release`). */
  readonly subgoals: readonly (readonly Z3_ast[])[];
  readonly tactic: string;
  release(): void;
}

interface TacticExports {
  _Z3_tactic_apply_ex(ctx: number, tactic: number, goal: number, params: number): number;
}

/** Builds ∃ variables. ∧ terms (kept alive until the caller releases it). */
export function existentialClosure(session: Z3Session, terms: readonly Z3_ast[], variables: ReadonlyMap<string, SortName>): Z3_ast {
  const { Z3 } = session.z3;
  const ctx = session.ctx;
  const body = terms.length === 1 ? (terms[0] as Z3_ast) : Z3.mk_and(ctx, [...terms]);
  session.assertOk('conjunction');
  Z3.inc_ref(ctx, body);
  const bound = [...variables].map(([name, sort]) => session.constant(name, sort));
  try {
    const closed = Z3.mk_exists_const(ctx, 0, bound.map((b) => Z3.to_app(ctx, b)), [], body);
    session.assertOk('exists');
    Z3.inc_ref(ctx, closed);
    return closed;
  } finally {
    for (const b of bound) session.release(b);
    session.release(body);
  }
}

/**
 * Runs one tactic pipeline on a formula within `timeoutMs` of wall time; throws on failure or expiry. Tactics
 * take no resource limit (`rlimit` is a solver parameter), so the budget is Z3's `try-for`, whose timer thread
 * cancels the tactic at its next check point.
 */
function apply(session: Z3Session, pipeline: readonly string[], formula: Z3_ast, timeoutMs: number): Elimination {
  const { Z3, em } = session.z3;
  const ctx = session.ctx;
  const tactics: Z3_tactic[] = [];
  const goal = Z3.mk_goal(ctx, false, false, false);
  Z3.goal_inc_ref(ctx, goal);
  const params = Z3.mk_params(ctx);
  Z3.params_inc_ref(ctx, params);
  try {
    for (const name of pipeline) {
      // Each tactic is counted before the next call: Z3 keeps only the last result of a call alive.
      const tactic = Z3.mk_tactic(ctx, name);
      session.assertOk(`tactic ${name}`);
      Z3.tactic_inc_ref(ctx, tactic);
      tactics.push(tactic);
      if (tactics.length > 1) {
        const chained = Z3.tactic_and_then(ctx, tactics[tactics.length - 2] as Z3_tactic, tactic);
        Z3.tactic_inc_ref(ctx, chained);
        tactics.push(chained);
      }
    }
    const bounded = Z3.tactic_try_for(ctx, tactics[tactics.length - 1] as Z3_tactic, timeoutMs);
    session.assertOk('try-for');
    Z3.tactic_inc_ref(ctx, bounded);
    tactics.push(bounded);
    Z3.goal_assert(ctx, goal, formula);
    session.assertOk('goal');
    // The typed tactic_apply is async (a pthread hop); this is the same call, synchronous.
    const result = (em as unknown as TacticExports)._Z3_tactic_apply_ex(ctx as unknown as number, tactics[tactics.length - 1] as unknown as number, goal as unknown as number, params as unknown as number);
    session.assertOk(pipeline.join(' '));
    const applied = result as unknown as Parameters<typeof Z3.apply_result_inc_ref>[1];
    Z3.apply_result_inc_ref(ctx, applied);
    const kept: Z3_ast[] = [];
    const subgoals: Z3_ast[][] = [];
    try {
      const count = Z3.apply_result_get_num_subgoals(ctx, applied);
      for (let i = 0; i < count; i++) {
        const subgoal = Z3.apply_result_get_subgoal(ctx, applied, i);
        const formulas: Z3_ast[] = [];
        for (let j = 0; j < Z3.goal_size(ctx, subgoal); j++) {
          const f = Z3.goal_formula(ctx, subgoal, j);
          Z3.inc_ref(ctx, f);
          kept.push(f);
          formulas.push(f);
        }
        subgoals.push(formulas);
      }
    } finally {
      Z3.apply_result_dec_ref(ctx, applied);
    }
    return {
      subgoals,
      tactic: pipeline.join(' → '),
      release: () => {
        for (const f of kept) session.release(f);
      },
    };
  } finally {
    for (const tactic of tactics) Z3.tactic_dec_ref(ctx, tactic);
    Z3.params_dec_ref(ctx, params);
    Z3.goal_dec_ref(ctx, goal);
  }
}

/**
 * Eliminates the quantifier of `closed` (∃ vars. body), each pipeline within `timeoutMs`. `accept` translates a candidate (and throws when it
 * cannot, e.g. a quantifier survived): the first pipeline whose output it accepts wins. Returns the failures
 * of every pipeline when none is accepted.
 */
export function eliminate<T>(session: Z3Session, closed: Z3_ast, timeoutMs: number, accept: (elimination: Elimination) => T): { value: T; tactic: string } | { failures: string[] } {
  const failures: string[] = [];
  for (const pipeline of ELIMINATION_PIPELINES) {
    let elimination: Elimination | undefined;
    try {
      elimination = apply(session, pipeline, closed, timeoutMs);
      return { value: accept(elimination), tactic: elimination.tactic };
    } catch (error) {
      failures.push(`${pipeline.join(' → ')}: ${(error as Error).message.split('\n')[0]}`);
    } finally {
      elimination?.release();
    }
  }
  return { failures };
}
