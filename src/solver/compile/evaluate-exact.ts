import type { IrNode } from './ir.ts';
import * as Q from './rational.ts';

/**
 * The exact evaluator: a closure per IR node over arbitrary-precision values — Int and BitVec64 as BigInt,
 * Real as BigInt rationals, Bool as boolean. It decides every input the compiler accepts, at any magnitude;
 * the double-based evaluator (evaluate-fast.ts) is the fast path for inputs proven to fit it.
 */

export type ExactValue = bigint | Q.Rational | boolean;
/** Binding values in binding order, already in exact form (see `exactSlot`). */
export type ExactSlots = ExactValue[];
export type ExactTerm = (slots: ExactSlots) => ExactValue;

const MASK64 = (1n << 64n) - 1n;
const u64 = (x: bigint): bigint => x & MASK64;
const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);

export class UnsupportedTermError extends Error {
  override readonly name = 'UnsupportedTermError';
}

/** Euclidean division as SMT-LIB defines `div`/`mod` on Int (remainder in [0, |d|)). */
export function euclideanMod(n: bigint, d: bigint): bigint {
  const r = n % d;
  return r < 0n ? r + (d < 0n ? -d : d) : r;
}

export function buildExactTerms(nodes: readonly IrNode[], slotOf: ReadonlyMap<string, number>): ExactTerm[] {
  const built: ExactTerm[] = [];
  nodes.forEach((node, index) => {
    built[index] = buildNode(node, nodes, (i) => {
      const term = built[i];
      if (term === undefined || i >= index) throw new UnsupportedTermError(`node ${index}: operand ${i} is not defined before it`);
      return term;
    }, slotOf);
  });
  return built;
}

function buildNode(node: IrNode, nodes: readonly IrNode[], arg: (i: number) => ExactTerm, slotOf: ReadonlyMap<string, number>): ExactTerm {
  const args = (node.args ?? []).map(arg);
  const [a, b, c] = args as [ExactTerm, ExactTerm, ExactTerm];
  const arity = (n: number): void => {
    if (args.length !== n) throw new UnsupportedTermError(`${node.op} with ${args.length} operands (expected ${n})`);
  };
  // Comparisons and equalities are Bool nodes: their arithmetic is their operands' sort.
  const real = node.sort === 'Real' || (node.args !== undefined && node.args.length > 0 && nodes[node.args[0] as number]?.sort === 'Real');
  switch (node.op) {
    case 'const': {
      const value = node.value ?? '';
      if (node.sort === 'Bool') return value === 'true' ? () => true : () => false;
      const constant: ExactValue = node.sort === 'Real' ? Q.parseRational(value) : BigInt(value);
      return () => constant;
    }
    case 'var': {
      const slot = slotOf.get(node.name ?? '');
      if (slot === undefined) throw new UnsupportedTermError(`unknown binding ${node.name}`);
      return (s) => s[slot] as ExactValue;
    }
    case 'not': arity(1); return (s) => !a(s);
    case 'and': return (s) => { for (const t of args) if (!t(s)) return false; return true; };
    case 'or': return (s) => { for (const t of args) if (t(s)) return true; return false; };
    case 'xor': arity(2); return (s) => a(s) !== b(s);
    case '=>': arity(2); return (s) => !a(s) || (b(s) as boolean);
    case 'ite': arity(3); return (s) => (a(s) ? b(s) : c(s));
    case '=': arity(2); return real ? (s) => Q.compare(a(s) as Q.Rational, b(s) as Q.Rational) === 0 : (s) => a(s) === b(s);
    case 'distinct':
      return (s) => {
        const values = args.map((t) => t(s));
        for (let i = 0; i < values.length; i++) {
          for (let j = i + 1; j < values.length; j++) {
            const same = real ? Q.compare(values[i] as Q.Rational, values[j] as Q.Rational) === 0 : values[i] === values[j];
            if (same) return false;
          }
        }
        return true;
      };
    case '<': case '<=': case '>': case '>=': {
      arity(2);
      const holds = node.op === '<' ? (d: number) => d < 0 : node.op === '<=' ? (d: number) => d <= 0 : node.op === '>' ? (d: number) => d > 0 : (d: number) => d >= 0;
      return real
        ? (s) => holds(Q.compare(a(s) as Q.Rational, b(s) as Q.Rational))
        : (s) => { const x = a(s) as bigint, y = b(s) as bigint; return holds(x < y ? -1 : x > y ? 1 : 0); };
    }
    case '+':
      return real ? (s) => args.reduce((acc, t) => Q.add(acc, t(s) as Q.Rational), Q.rational(0n)) : (s) => args.reduce((acc, t) => acc + (t(s) as bigint), 0n);
    case '-':
      if (args.length === 1) return real ? (s) => Q.neg(a(s) as Q.Rational) : (s) => -(a(s) as bigint);
      return real
        ? (s) => args.slice(1).reduce((acc, t) => Q.sub(acc, t(s) as Q.Rational), a(s) as Q.Rational)
        : (s) => args.slice(1).reduce((acc, t) => acc - (t(s) as bigint), a(s) as bigint);
    case 'neg': arity(1); return real ? (s) => Q.neg(a(s) as Q.Rational) : (s) => -(a(s) as bigint);
    case '*':
      return real ? (s) => args.reduce((acc, t) => Q.mul(acc, t(s) as Q.Rational), Q.rational(1n)) : (s) => args.reduce((acc, t) => acc * (t(s) as bigint), 1n);
    case 'div':
      arity(2);
      if (node.sort === 'Real') return (s) => Q.div(a(s) as Q.Rational, b(s) as Q.Rational);
      return (s) => { const n = a(s) as bigint, d = b(s) as bigint; return (n - euclideanMod(n, d)) / d; };
    case 'mod': arity(2); return (s) => euclideanMod(a(s) as bigint, b(s) as bigint);
    case 'abs':
      arity(1);
      return real ? (s) => { const x = a(s) as Q.Rational; return x.n < 0n ? Q.neg(x) : x; } : (s) => { const x = a(s) as bigint; return x < 0n ? -x : x; };
    case 'to_real': arity(1); return (s) => Q.rational(a(s) as bigint);
    case 'to_int': arity(1); return (s) => Q.floor(a(s) as Q.Rational);
    case 'is_int': arity(1); return (s) => (a(s) as Q.Rational).d === 1n;
    case 'bvnot': arity(1); return (s) => u64(~(a(s) as bigint));
    case 'bvneg': arity(1); return (s) => u64(-(a(s) as bigint));
    case 'bvand': return (s) => args.reduce((acc, t) => acc & (t(s) as bigint), MASK64);
    case 'bvor': return (s) => args.reduce((acc, t) => acc | (t(s) as bigint), 0n);
    case 'bvxor': return (s) => args.reduce((acc, t) => acc ^ (t(s) as bigint), 0n);
    case 'bvadd': return (s) => u64(args.reduce((acc, t) => acc + (t(s) as bigint), 0n));
    case 'bvmul': return (s) => u64(args.reduce((acc, t) => acc * (t(s) as bigint), 1n));
    case 'bvsub': arity(2); return (s) => u64((a(s) as bigint) - (b(s) as bigint));
    case 'bvule': arity(2); return (s) => (a(s) as bigint) <= (b(s) as bigint);
    case 'bvult': arity(2); return (s) => (a(s) as bigint) < (b(s) as bigint);
    case 'bvuge': arity(2); return (s) => (a(s) as bigint) >= (b(s) as bigint);
    case 'bvugt': arity(2); return (s) => (a(s) as bigint) > (b(s) as bigint);
    case 'bvsle': arity(2); return (s) => s64(a(s) as bigint) <= s64(b(s) as bigint);
    case 'bvslt': arity(2); return (s) => s64(a(s) as bigint) < s64(b(s) as bigint);
    case 'bvsge': arity(2); return (s) => s64(a(s) as bigint) >= s64(b(s) as bigint);
    case 'bvsgt': arity(2); return (s) => s64(a(s) as bigint) > s64(b(s) as bigint);
    default:
      throw new UnsupportedTermError(`operator ${node.op} is not implemented by the exact evaluator`);
  }
}
