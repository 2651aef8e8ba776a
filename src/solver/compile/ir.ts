/**
 * The compiled form of a deliberation template: plain data (JSON-serialisable, so a compiled policy can be
 * posted to worker threads), evaluated by `compilePredicate` without Z3.
 *
 * Terms are a node table: `args` are indices into `nodes`, so a sub-term Z3 shares (its ASTs are a DAG) stays
 * shared here instead of being copied into every parent. Every node carries its sort, which fixes the
 * arithmetic an evaluator uses for it (Int exact integers, Real exact rationals, BitVec64 unsigned 64-bit).
 */

export type IrSort = 'Bool' | 'Int' | 'Real' | 'BitVec64';

/** Operators, named as in SMT-LIB. Arithmetic operators are typed by their node's (or first argument's) sort. */
export const IR_OPS = [
  'const', 'var',
  'not', 'and', 'or', 'xor', '=>', 'ite', '=', 'distinct',
  '<', '<=', '>', '>=', '+', '-', 'neg', '*', 'div', 'mod', 'rem', 'abs', 'to_real', 'to_int', 'is_int',
  'bvnot', 'bvand', 'bvor', 'bvxor', 'bvneg', 'bvadd', 'bvsub', 'bvmul',
  'bvule', 'bvult', 'bvuge', 'bvugt', 'bvsle', 'bvslt', 'bvsge', 'bvsgt',
] as const;
export type IrOp = (typeof IR_OPS)[number];

export interface IrNode {
  readonly op: IrOp;
  readonly sort: IrSort;
  /** Operand node indices (absent for `const` and `var`). */
  readonly args?: readonly number[];
  /** `const`: Int and BitVec64 as a decimal integer, Real as `p` or `p/q` (lowest terms, q > 0), Bool as `true`/`false`. */
  readonly value?: string;
  /** `var`: the binding's name. */
  readonly name?: string;
}

/**
 * One check of a template. `constraint`: one named constraint mentioning no existential variable, so it is
 * violated exactly when it evaluates to false. `eliminated`: the constraints that share existential variables,
 * with the variables eliminated (∃ vars. ∧ constraints, made quantifier-free by Z3); when it is false, which
 * of those constraints to name is the unsat core's choice, so the decision says `needsCore`.
 */
export interface IrCheck {
  readonly kind: 'constraint' | 'eliminated';
  readonly names: readonly string[];
  readonly root: number;
}

export interface IrBinding {
  readonly name: string;
  readonly sort: IrSort;
}

/** A template that compiled: the evaluator answers every decision. */
export interface CompiledTemplateIR {
  readonly mode: 'compiled';
  readonly template: string;
  /** sha256 of the template's content (the compile cache key). */
  readonly hash: string;
  readonly bindings: readonly IrBinding[];
  readonly nodes: readonly IrNode[];
  readonly checks: readonly IrCheck[];
  /** The tactic pipeline that eliminated the variables, or absent when the template had none. */
  readonly tactic?: string;
  readonly compileMillis: number;
}

/** A template Z3 could not turn into an exact predicate: decided per message by the solver, as before. */
export interface FallbackTemplateIR {
  readonly mode: 'fallback';
  readonly template: string;
  readonly hash: string;
  /** Why (nonlinear with variables, over budget, an operator the evaluator does not implement, …). */
  readonly reason: string;
  readonly compileMillis: number;
}

export type TemplateIR = CompiledTemplateIR | FallbackTemplateIR;
