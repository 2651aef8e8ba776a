import type { Z3_ast, Z3_sort } from 'z3-solver';
import type { Z3Session } from '../z3-session.ts';
import { buildExactTerms, UnsupportedTermError } from './evaluate-exact.ts';
import type { IrNode, IrOp, IrSort } from './ir.ts';
import { parseRational, rationalText, type Rational } from './rational.ts';

/**
 * Translates Z3 terms into IR nodes, by Z3's own decl kinds (so `let`, `define-fun` parameters and the
 * rewriter's normal forms arrive already expanded). Anything outside the evaluators' operator set — a
 * quantifier, an uninterpreted function, a name that is not a binding, a division by a non-constant, a
 * bit-vector other than 64 bits — throws UnsupportedTermError, and the template falls back to the solver.
 */

// Z3_ast_kind and Z3_sort_kind values (z3_api.h).
const NUMERAL_AST = 0;
const APP_AST = 1;
const BOOL_SORT = 1;
const INT_SORT = 2;
const REAL_SORT = 3;
const BV_SORT = 4;

/** Z3_decl_kind → IR operator (z3_api.h; the numbers are part of Z3's stable C API). */
const OPS: ReadonlyMap<number, IrOp> = new Map<number, IrOp>([
  [258, '='], [259, 'distinct'], [260, 'ite'], [261, 'and'], [262, 'or'], [263, '='], [264, 'xor'], [265, 'not'], [266, '=>'],
  [514, '<='], [515, '>='], [516, '<'], [517, '>'], [518, '+'], [519, '-'], [520, 'neg'], [521, '*'], [522, 'div'], [523, 'div'],
  [525, 'mod'], [526, 'to_real'], [527, 'to_int'], [528, 'is_int'], [530, 'abs'],
  [1027, 'bvneg'], [1028, 'bvadd'], [1029, 'bvsub'], [1030, 'bvmul'],
  [1041, 'bvule'], [1042, 'bvsle'], [1043, 'bvuge'], [1044, 'bvsge'], [1045, 'bvult'], [1046, 'bvslt'], [1047, 'bvugt'], [1048, 'bvsgt'],
  [1049, 'bvand'], [1050, 'bvor'], [1051, 'bvnot'], [1052, 'bvxor'],
]);
const TRUE = 256;
const FALSE = 257;
const UNINTERPRETED = 49167;

export class IrBuilder {
  readonly nodes: IrNode[] = [];
  /** Memo by AST id. Z3 reuses the id of a freed AST, so every memoized AST is kept alive until `release`. */
  private readonly byAstId = new Map<number, number>();
  private readonly kept: Z3_ast[] = [];
  private readonly byKey = new Map<string, number>();

  /** @param bindings the names a term may mention (with their sorts); anything else is unsupported. */
  constructor(private readonly session: Z3Session, private readonly bindings: ReadonlyMap<string, IrSort>) {}

  /**
   * Adds an IR node, sharing an identical existing one. An operator applied to constants only is folded to
   * its value here, with the exact evaluator, so constant sub-terms (`(/ 1.0 3.0)`) cost nothing per decision
   * and do not keep a predicate off the fast path.
   */
  node(node: IrNode): number {
    if (node.op !== 'const' && node.op !== 'var' && (node.args ?? []).every((i) => this.nodes[i]?.op === 'const')) node = this.fold(node);
    const key = JSON.stringify(node);
    let index = this.byKey.get(key);
    if (index === undefined) {
      index = this.nodes.length;
      this.nodes.push(node);
      this.byKey.set(key, index);
    }
    return index;
  }

  /** Translates a term (and its sub-terms, once each) and returns its node index. */
  add(ast: Z3_ast): number {
    const { Z3 } = this.session.z3;
    const ctx = this.session.ctx;
    const id = Z3.get_ast_id(ctx, ast);
    const known = this.byAstId.get(id);
    if (known !== undefined) return known;
    const sort = this.sortOf(Z3.get_sort(ctx, ast));
    const kind = Z3.get_ast_kind(ctx, ast);
    let index: number;
    if (kind === NUMERAL_AST) {
      const text = Z3.get_numeral_string(ctx, ast);
      index = this.node({ op: 'const', sort, value: sort === 'Real' ? rationalText(parseRational(text)) : BigInt(text).toString() });
    } else if (kind === APP_AST) {
      const app = Z3.to_app(ctx, ast);
      const decl = Z3.get_app_decl(ctx, app);
      const declKind = Z3.get_decl_kind(ctx, decl) as number;
      const count = Z3.get_app_num_args(ctx, app);
      if (declKind === TRUE || declKind === FALSE) index = this.node({ op: 'const', sort: 'Bool', value: declKind === TRUE ? 'true' : 'false' });
      else if (declKind === UNINTERPRETED && count === 0) {
        const name = Z3.get_symbol_string(ctx, Z3.get_decl_name(ctx, decl));
        const declared = this.bindings.get(name);
        if (declared === undefined) throw new UnsupportedTermError(`the term mentions ${name}, which is not a binding`);
        index = this.node({ op: 'var', sort: declared, name });
      } else {
        const op = OPS.get(declKind);
        if (op === undefined) throw new UnsupportedTermError(`operator ${Z3.get_symbol_string(ctx, Z3.get_decl_name(ctx, decl))} (Z3 decl kind ${declKind})`);
        const args: number[] = [];
        for (let i = 0; i < count; i++) args.push(this.add(Z3.get_app_arg(ctx, app, i)));
        if ((op === 'div' || op === 'mod') && !this.isNonZeroConstant(args[1])) throw new UnsupportedTermError(`${op} by a term that is not a non-zero constant (Z3 leaves division by zero unspecified)`);
        index = this.node({ op, sort, args });
      }
    } else {
      throw new UnsupportedTermError(kind === 3 ? 'a quantifier' : `a Z3 term of kind ${kind}`);
    }
    Z3.inc_ref(ctx, ast);
    this.kept.push(ast);
    this.byAstId.set(id, index);
    return index;
  }

  /** Releases the memoized ASTs (the IR nodes stay valid: they are plain data). */
  release(): void {
    for (const ast of this.kept) this.session.release(ast);
    this.kept.length = 0;
    this.byAstId.clear();
  }

  private fold(node: IrNode): IrNode {
    const args = node.args ?? [];
    const local: IrNode[] = args.map((i) => this.nodes[i] as IrNode);
    local.push({ ...node, args: args.map((_, i) => i) });
    const value = buildExactTerms(local, new Map())[local.length - 1]?.([]);
    const text = typeof value === 'boolean' ? String(value) : typeof value === 'bigint' ? value.toString() : rationalText(value as Rational);
    return { op: 'const', sort: node.sort, value: text };
  }

  private isNonZeroConstant(index: number | undefined): boolean {
    const node = index === undefined ? undefined : this.nodes[index];
    return node?.op === 'const' && parseRational(node.value ?? '0').n !== 0n;
  }

  private sortOf(sort: Z3_sort): IrSort {
    const { Z3 } = this.session.z3;
    const kind = Z3.get_sort_kind(this.session.ctx, sort) as number;
    if (kind === BOOL_SORT) return 'Bool';
    if (kind === INT_SORT) return 'Int';
    if (kind === REAL_SORT) return 'Real';
    if (kind === BV_SORT && Z3.get_bv_sort_size(this.session.ctx, sort) === 64) return 'BitVec64';
    throw new UnsupportedTermError(`sort ${Z3.sort_to_string(this.session.ctx, sort)}`);
  }
}

/** Names of the uninterpreted constants a term mentions. */
export function constantsOf(session: Z3Session, ast: Z3_ast, into = new Set<string>(), seen = new Set<number>()): Set<string> {
  const { Z3 } = session.z3;
  const ctx = session.ctx;
  const id = Z3.get_ast_id(ctx, ast);
  if (seen.has(id)) return into;
  seen.add(id);
  if (Z3.get_ast_kind(ctx, ast) !== APP_AST) return into;
  const app = Z3.to_app(ctx, ast);
  const decl = Z3.get_app_decl(ctx, app);
  const count = Z3.get_app_num_args(ctx, app);
  if ((Z3.get_decl_kind(ctx, decl) as number) === UNINTERPRETED && count === 0) into.add(Z3.get_symbol_string(ctx, Z3.get_decl_name(ctx, decl)));
  for (let i = 0; i < count; i++) constantsOf(session, Z3.get_app_arg(ctx, app, i), into, seen);
  return into;
}

/** Whether a term multiplies two non-constant terms (nonlinear arithmetic, which quantifier elimination does not decide). */
export function isNonlinear(session: Z3Session, ast: Z3_ast, seen = new Set<number>()): boolean {
  const { Z3 } = session.z3;
  const ctx = session.ctx;
  const id = Z3.get_ast_id(ctx, ast);
  if (seen.has(id) || Z3.get_ast_kind(ctx, ast) !== APP_AST) return false;
  seen.add(id);
  const app = Z3.to_app(ctx, ast);
  const kind = Z3.get_decl_kind(ctx, Z3.get_app_decl(ctx, app)) as number;
  const count = Z3.get_app_num_args(ctx, app);
  const args: Z3_ast[] = [];
  for (let i = 0; i < count; i++) args.push(Z3.get_app_arg(ctx, app, i));
  // Multiplication (int, real, bit-vector), division, modulo and exponentiation by something not a numeral.
  if ([521, 1030, 529].includes(kind) && args.filter((a) => !Z3.is_numeral_ast(ctx, a)).length > 1) return true;
  if ([522, 523, 524, 525].includes(kind) && count > 1 && !Z3.is_numeral_ast(ctx, args[1] as Z3_ast)) return true;
  return args.some((a) => isNonlinear(session, a, seen));
}
