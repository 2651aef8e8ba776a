import { createHash } from 'node:crypto';
import type { Z3_ast, Z3_solver } from 'z3-solver';
import type { SortName, TemplateSpec } from '../policy.ts';
import { templateDeclarations } from '../template-solver.ts';
import type { Z3Session } from '../z3-session.ts';
import { buildExactTerms, UnsupportedTermError } from './evaluate-exact.ts';
import { eliminate, existentialClosure, type Elimination } from './eliminate.ts';
import type { CompiledTemplateIR, IrCheck, IrSort, TemplateIR } from './ir.ts';
import { constantsOf, IrBuilder, isNonlinear } from './z3-to-ir.ts';

/**
 * Compiles one template to IR with Z3, once, at policy load:
 *
 * - constraints that mention no existential variable are ground once the bindings have values: each is kept
 *   as its own check, so a denial names exactly the constraints that fail;
 * - constraints that do mention variables are grouped by shared variables (a group's variables appear in no
 *   other group, so ∃ distributes over the groups), and each group's ∃ variables. ∧ constraints is made
 *   quantifier-free by Z3 (eliminate.ts) and kept as one check;
 * - a group whose arithmetic is nonlinear, a pipeline that runs out of budget, an eliminated form larger than
 *   `maxNodes`, or an operator the evaluators do not implement makes the whole template `fallback`: it is
 *   decided per message by the solver, as before.
 *
 * Each elimination is checked by Z3 before it is accepted: the group's constraints imply the eliminated form
 * (body ∧ ¬form is unsat), and the form implies a solution exists (form ∧ ¬∃ vars. body is unsat).
 */

export interface CompileOptions {
  /**
   * Wall time per elimination pipeline (and per quantified verification), ms. Default 30,000: tier-quota takes
   * seconds on a saturated 2-core machine, and the first `try-for` of a process also starts Z3's timer thread.
   * Load time only; the result is cached by template content.
   */
  readonly eliminationTimeoutMs?: number;
  /** Z3 resource units per quantifier-free verification check. Default 5,000,000. */
  readonly verifyRlimit?: number;
  /** Largest IR (nodes) accepted for one template. Default 4,000. */
  readonly maxNodes?: number;
}

/** Bumped when the IR or its semantics change, so cached IR from an older compiler is not reused. */
export const COMPILER_VERSION = 1;

export function templateHash(template: TemplateSpec): string {
  return createHash('sha256').update(JSON.stringify({ v: COMPILER_VERSION, template })).digest('hex');
}

class FallbackError extends Error {}

function groupsBySharedVariables(uses: readonly Set<string>[]): number[][] {
  const parent = uses.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i] as number)));
  const owner = new Map<string, number>();
  uses.forEach((vars, i) => {
    for (const v of vars) {
      const other = owner.get(v);
      if (other === undefined) owner.set(v, i);
      else parent[find(i)] = find(other);
    }
  });
  const groups = new Map<number, number[]>();
  uses.forEach((vars, i) => {
    if (vars.size === 0) return;
    const root = find(i);
    groups.set(root, [...(groups.get(root) ?? []), i]);
  });
  return [...groups.values()];
}

/**
 * Verifies an elimination with Z3; returns why it is not proved, or undefined when both implications are.
 * The quantifier-free direction goes to an ordinary solver (bounded by `rlimit`). The quantified one
 * (form ∧ ¬∃ vars. body) goes first to `qsat`, a decision procedure for quantified linear arithmetic (bounded
 * by wall time, as tactics take no resource limit), then to the ordinary solver, whose MBQI may decide it.
 */
function verify(session: Z3Session, body: readonly Z3_ast[], closed: Z3_ast, form: Z3_ast, rlimit: number, timeoutMs: number): string | undefined {
  const { Z3 } = session.z3;
  const ctx = session.ctx;
  const check = (solver: Z3_solver, assertions: readonly Z3_ast[]): { status: string; reason: string } => {
    for (const a of assertions) Z3.solver_assert(ctx, solver, a);
    session.assertOk('verify: assert');
    const status = session.check(solver);
    return { status, reason: status === 'unknown' ? session.reasonUnknown(solver) : '' };
  };
  const prove = (what: string, assertions: readonly Z3_ast[], quantified: boolean): string | undefined => {
    const attempts: { status: string; reason: string }[] = [];
    if (quantified) {
      const qsat = Z3.mk_tactic(ctx, 'qsat');
      Z3.tactic_inc_ref(ctx, qsat);
      const bounded = Z3.tactic_try_for(ctx, qsat, timeoutMs);
      Z3.tactic_inc_ref(ctx, bounded);
      const solver = Z3.mk_solver_from_tactic(ctx, bounded);
      Z3.solver_inc_ref(ctx, solver);
      try {
        session.assertOk('verify: qsat');
        attempts.push(check(solver, assertions));
      } catch (error) {
        attempts.push({ status: 'unknown', reason: (error as Error).message.split('\n')[0] ?? '' });
      } finally {
        Z3.solver_dec_ref(ctx, solver);
        Z3.tactic_dec_ref(ctx, bounded);
        Z3.tactic_dec_ref(ctx, qsat);
      }
    }
    if (attempts.every((a) => a.status === 'unknown')) {
      const solver = session.solver(rlimit);
      try {
        attempts.push(check(solver, assertions));
      } finally {
        Z3.solver_dec_ref(ctx, solver);
      }
    }
    if (attempts.some((a) => a.status === 'unsat')) return undefined;
    if (attempts.some((a) => a.status === 'sat')) return `${what} is false`;
    return `${what} is undecided (${attempts.map((a) => a.reason).join('; ')})`;
  };
  const notForm = Z3.mk_not(ctx, form);
  Z3.inc_ref(ctx, notForm);
  const notClosed = Z3.mk_not(ctx, closed);
  Z3.inc_ref(ctx, notClosed);
  try {
    return prove('constraints ⇒ eliminated form', [...body, notForm], false) ?? prove('eliminated form ⇒ ∃ variables. constraints', [form, notClosed], true);
  } finally {
    session.release(notForm);
    session.release(notClosed);
  }
}

/** The elimination's formula as one Z3 term: ∨ over subgoals of ∧ over their formulas (kept alive until released). */
function formulaOf(session: Z3Session, elimination: Elimination): Z3_ast {
  const { Z3 } = session.z3;
  const ctx = session.ctx;
  const conjunctions: Z3_ast[] = [];
  for (const formulas of elimination.subgoals) {
    const conjunction = formulas.length === 0 ? Z3.mk_true(ctx) : formulas.length === 1 ? (formulas[0] as Z3_ast) : Z3.mk_and(ctx, [...formulas]);
    Z3.inc_ref(ctx, conjunction);
    conjunctions.push(conjunction);
  }
  const form = conjunctions.length === 0 ? Z3.mk_false(ctx) : conjunctions.length === 1 ? (conjunctions[0] as Z3_ast) : Z3.mk_or(ctx, conjunctions);
  Z3.inc_ref(ctx, form);
  for (const c of conjunctions) session.release(c);
  session.assertOk('eliminated form');
  return form;
}

export function compileTemplateIR(session: Z3Session, template: TemplateSpec, options: CompileOptions = {}): TemplateIR {
  const started = performance.now();
  const hash = templateHash(template);
  const timeoutMs = options.eliminationTimeoutMs ?? 30_000;
  const rlimit = options.verifyRlimit ?? 5_000_000;
  const maxNodes = options.maxNodes ?? 4_000;
  const bindingSorts = new Map<string, IrSort>(Object.entries(template.bindings).map(([name, b]) => [name, b.sort]));
  const variables = new Map<string, SortName>(Object.entries(template.variables ?? {}));
  const millis = (): number => Math.round(performance.now() - started);
  let terms: Z3_ast[] = [];
  const owned: Z3_ast[] = [];
  let builder: IrBuilder | undefined;
  try {
    const script = `${templateDeclarations(template)}\n${template.constraints.map((c) => `(assert ${c.assert})`).join('\n')}`;
    terms = session.parseAssertions(script, `template ${template.id}`);
    if (terms.length !== template.constraints.length) throw new FallbackError(`expected ${template.constraints.length} assertions, parsed ${terms.length}`);
    const ir = new IrBuilder(session, bindingSorts);
    builder = ir;
    const checks: IrCheck[] = [];
    const uses = terms.map((term) => new Set([...constantsOf(session, term)].filter((name) => variables.has(name))));
    let tactic: string | undefined;
    terms.forEach((term, i) => {
      if ((uses[i] as Set<string>).size > 0) return;
      // Translated as parsed (parameters inlined by the parser, constant sub-terms folded by the builder):
      // Z3's rewriter would turn mask tests into bit extracts of other widths, which the evaluators do not model.
      checks.push({ kind: 'constraint', names: [template.constraints[i]?.name as string], root: ir.add(term) });
    });
    for (const group of groupsBySharedVariables(uses)) {
      const names = group.map((i) => template.constraints[i]?.name as string);
      const body = group.map((i) => terms[i] as Z3_ast);
      if (body.some((t) => isNonlinear(session, t))) throw new FallbackError(`${names.join(', ')}: nonlinear arithmetic over existential variables`);
      const groupVariables = new Map([...variables].filter(([name]) => group.some((i) => uses[i]?.has(name))));
      const closed = existentialClosure(session, body, groupVariables);
      owned.push(closed);
      const result = eliminate(session, closed, timeoutMs, (elimination) => {
        const form = formulaOf(session, elimination);
        try {
          const problem = verify(session, body, closed, form, rlimit, timeoutMs);
          if (problem !== undefined) throw new Error(`verification: ${problem}`);
          const root = ir.add(form);
          if (ir.nodes.length > maxNodes) throw new Error(`eliminated form has ${ir.nodes.length} nodes (limit ${maxNodes})`);
          return root;
        } finally {
          session.release(form);
        }
      });
      if ('failures' in result) throw new FallbackError(`${names.join(', ')}: no elimination accepted (${result.failures.join('; ')})`);
      tactic = result.tactic;
      checks.push({ kind: 'eliminated', names, root: result.value });
    }
    const compiled: CompiledTemplateIR = {
      mode: 'compiled',
      template: template.id,
      hash,
      bindings: [...bindingSorts].map(([name, sort]) => ({ name, sort })),
      nodes: ir.nodes,
      checks,
      ...(tactic !== undefined ? { tactic } : {}),
      compileMillis: millis(),
    };
    // Both evaluators must accept it (an operator one lacks would otherwise surface on the first decision).
    buildExactTerms(compiled.nodes, new Map(compiled.bindings.map((b, i) => [b.name, i])));
    return compiled;
  } catch (error) {
    if (error instanceof FallbackError || error instanceof UnsupportedTermError) {
      return { mode: 'fallback', template: template.id, hash, reason: error.message, compileMillis: millis() };
    }
    throw error;
  } finally {
    builder?.release();
    for (const t of terms) session.release(t);
    for (const t of owned) session.release(t);
  }
}
