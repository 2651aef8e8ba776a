import type { Z3_ast, Z3_solver } from 'z3-solver';
import { Z3Session } from '../solver/z3-session.ts';
import type { Z3Instance } from '../solver/z3-module.ts';
import { ANY, ANY_NO_SLASH, ONE_NO_SLASH, type Glob, type PermissionRule } from './rules.ts';

/**
 * The Z3 pass: language difference of permission rules in the theory of strings and regular expressions.
 * "Is inner ⊆ ∪outers?" is asked as "∃s. s ∈ inner ∧ s ∉ ∪outers": unsat proves inclusion, sat gives a
 * witness string. Callers filter `outers` by literal prefix first: unions with many `re.all` branches make
 * Z3's derivative engine blow up (200 rules: seconds to `unknown`), while prefix-filtered queries stay in
 * the millisecond range.
 */

export type DifferenceResult =
  | { readonly status: 'included' }
  | { readonly status: 'witness'; readonly witness: string }
  | { readonly status: 'unknown'; readonly reason: string };

/** SMT-LIB string literal: printable ASCII as is (`"` doubled), everything else as \u{…} (so `\` is never an escape). */
export function smtString(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (char === '"') out += '""';
    else if (code >= 0x20 && code <= 0x7e && char !== '\\') out += char;
    else out += `\\u{${code.toString(16)}}`;
  }
  return `${out}"`;
}

const NOT_SLASH = '(re.diff re.allchar (str.to_re "/"))';
const PRINTABLE = '(re.* (re.range " " "~"))';

export function globRegex(glob: Glob): string {
  const parts: string[] = [];
  let run = '';
  const flush = (): void => {
    if (run.length > 0) parts.push(`(str.to_re ${smtString(run)})`);
    run = '';
  };
  for (const token of glob) {
    if (token >= 0) {
      run += String.fromCharCode(token);
      continue;
    }
    flush();
    parts.push(token === ANY ? 're.all' : token === ANY_NO_SLASH ? `(re.* ${NOT_SLASH})` : token === ONE_NO_SLASH ? NOT_SLASH : 're.none');
  }
  flush();
  if (parts.length === 0) return '(str.to_re "")';
  return parts.length === 1 ? (parts[0] as string) : `(re.++ ${parts.join(' ')})`;
}

export function rulesRegex(rules: readonly PermissionRule[]): string {
  const globs = rules.flatMap((rule) => rule.alternatives.map(globRegex));
  if (globs.length === 0) return 're.none';
  return globs.length === 1 ? (globs[0] as string) : `(re.union ${globs.join(' ')})`;
}

export class RegexProver {
  private readonly session: Z3Session;
  private readonly stringSort;
  /** One persistent solver, a push/pop scope per query: a fresh solver per query costs several ms more. */
  private readonly solver: Z3_solver;
  queries = 0;
  solveMillis = 0;

  constructor(z3: Z3Instance) {
    this.session = new Z3Session(z3);
    this.stringSort = z3.Z3.mk_string_sort(this.session.ctx);
    this.solver = this.session.solver(0);
  }

  /** Is every string of `inner` matched by some rule of `outers`? Otherwise a witness string. */
  difference(inner: PermissionRule, outers: readonly PermissionRule[]): DifferenceResult {
    this.queries++;
    // One membership in `re.diff` (Z3 decides emptiness by derivatives) is 10–300× faster here than
    // `s ∈ A ∧ ¬(s ∈ B)`, which sends the sequence solver enumerating lengths (25 s on a two-rule query).
    const difference = `(re.diff ${rulesRegex([inner])} ${rulesRegex(outers)})`;
    const proof = this.solve(`(declare-const s String)\n(assert (str.in_re s ${difference}))`);
    if (proof.status !== 'witness' || /^[\x20-\x7e]*$/.test(proof.witness)) return proof;
    // Prefer a printable witness for the report; the query above already decided the question.
    const readable = this.solve(`(declare-const s String)\n(assert (str.in_re s (re.inter ${difference} ${PRINTABLE})))`);
    return readable.status === 'witness' ? readable : proof;
  }

  private solve(script: string): DifferenceResult {
    const { session } = this;
    const { Z3 } = session.z3;
    const { solver } = this;
    const started = performance.now();
    const terms = session.parseAssertions(script, 'permission query');
    Z3.solver_push(session.ctx, solver);
    try {
      for (const term of terms) Z3.solver_assert(session.ctx, solver, term);
      const status = session.check(solver);
      if (status === 'unsat') return { status: 'included' };
      if (status === 'unknown') return { status: 'unknown', reason: session.reasonUnknown(solver) };
      return { status: 'witness', witness: this.witness(solver) };
    } finally {
      Z3.solver_pop(session.ctx, solver, 1);
      for (const term of terms) session.release(term);
      this.solveMillis += performance.now() - started;
    }
  }

  private witness(solver: Z3_solver): string {
    const { session } = this;
    const { Z3 } = session.z3;
    const s: Z3_ast = Z3.mk_const(session.ctx, Z3.mk_string_symbol(session.ctx, 's'), this.stringSort);
    Z3.inc_ref(session.ctx, s);
    const model = Z3.solver_get_model(session.ctx, solver);
    Z3.model_inc_ref(session.ctx, model);
    try {
      const value = Z3.model_eval(session.ctx, model, s, true);
      if (value === null) return '?';
      return Z3.is_string(session.ctx, value) ? Z3.get_string(session.ctx, value) : Z3.ast_to_string(session.ctx, value);
    } finally {
      Z3.model_dec_ref(session.ctx, model);
      Z3.dec_ref(session.ctx, s);
    }
  }

  dispose(): void {
    this.session.z3.Z3.solver_dec_ref(this.session.ctx, this.solver);
    this.session.dispose();
  }
}
