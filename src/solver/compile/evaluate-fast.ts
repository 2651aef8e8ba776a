import { UnsupportedTermError } from './evaluate-exact.ts';
import type { IrNode } from './ir.ts';
import { parseRational } from './rational.ts';

/**
 * The fast evaluator: the same closure tree as the exact one, over doubles. Int values are integer doubles;
 * Real values are integers too, scaled by `scale` (a multiple of 1000, so impact scores — multiples of 1/1000 —
 * and every Real constant of the predicate are integers there); BitVec64 stays BigInt. Integer arithmetic on
 * doubles is exact while every intermediate stays within ±2^53, so `planFastPath` bounds every numeric node
 * by a·B + c, where B bounds the inputs, and picks the largest B that keeps them all safe. Inputs above B,
 * Real inputs with more than three decimals, and predicates it cannot bound (nonlinear products, division of
 * Reals) take the exact evaluator instead.
 */

export type FastValue = number | bigint | boolean;
export type FastSlots = FastValue[];
export type FastTerm = (slots: FastSlots) => FastValue;

/** Real inputs on the fast path are multiples of 1/REAL_INPUT_PRECISION (impact scores are multiples of 1/1000). */
export const REAL_INPUT_PRECISION = 1000;
const MAX = Number.MAX_SAFE_INTEGER;
const MAX_SCALE = 2 ** 24;

export interface FastPlan {
  /** Real values are carried as value × scale. */
  readonly scale: number;
  /** Int inputs (and scaled Real inputs) with |value| ≤ inputBound keep every intermediate within ±2^53. */
  readonly inputBound: number;
}

interface Bound {
  readonly a: number;
  readonly c: number;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

/** The fast path's scale and input bound, or a reason it cannot evaluate these nodes. */
export function planFastPath(nodes: readonly IrNode[]): FastPlan | { readonly unavailable: string } {
  let scale = BigInt(REAL_INPUT_PRECISION);
  for (const node of nodes) {
    if (node.op === 'const' && node.sort === 'Real') {
      const d = parseRational(node.value ?? '').d;
      scale = (scale * d) / gcd(scale, d);
    }
  }
  if (scale > BigInt(MAX_SCALE)) return { unavailable: `Real constants need a scale of ${scale}` };
  const s = Number(scale);
  const bounds: (Bound | undefined)[] = [];
  let inputBound = MAX;
  const limit = (b: Bound): string | undefined => {
    if (b.c > MAX || !Number.isFinite(b.a)) return 'a constant or intermediate result beyond ±2^53';
    if (b.a > 0) inputBound = Math.min(inputBound, Math.floor((MAX - b.c) / b.a));
    return undefined;
  };
  for (let index = 0; index < nodes.length; index++) {
    const node = nodes[index] as IrNode;
    const args = node.args ?? [];
    const argBound = (i: number): Bound => bounds[args[i] as number] ?? { a: 0, c: 0 };
    const numeric = node.sort === 'Int' || node.sort === 'Real';
    let bound: Bound | undefined;
    if (numeric) {
      switch (node.op) {
        case 'const': {
          const q = parseRational(node.value ?? '0');
          const scaled = node.sort === 'Real' ? (q.n * scale) / q.d : q.n;
          bound = { a: 0, c: Math.abs(Number(scaled)) };
          if (scaled > BigInt(MAX) || scaled < -BigInt(MAX)) return { unavailable: 'a constant beyond ±2^53' };
          break;
        }
        case 'var': bound = { a: 1, c: 0 }; break;
        case '+': case '-': case 'neg': case 'abs':
          bound = args.reduce<Bound>((acc, _, i) => ({ a: acc.a + argBound(i).a, c: acc.c + argBound(i).c }), { a: 0, c: 0 });
          break;
        case '*': {
          const variable = args.filter((i) => nodes[i]?.op !== 'const');
          if (variable.length !== 1) return { unavailable: variable.length === 0 ? 'an unfolded product of constants' : 'a product of two non-constant terms (nonlinear)' };
          const factors = args.filter((i) => nodes[i]?.op === 'const').map((i) => parseRational(nodes[i]?.value ?? ''));
          // A scaled Real times a constant stays an integer only when the constant is one.
          if (factors.some((q) => q.d !== 1n)) return { unavailable: 'a Real multiplied by a fraction' };
          const product = Math.abs(Number(factors.reduce((acc, q) => acc * q.n, 1n)));
          const base = bounds[variable[0] as number] ?? { a: 0, c: 0 };
          bound = { a: base.a * product, c: base.c * product };
          break;
        }
        case 'div': {
          if (node.sort !== 'Int') return { unavailable: 'division of Reals' };
          bound = { a: argBound(0).a, c: argBound(0).c + 1 };
          break;
        }
        case 'mod': bound = { a: 0, c: Math.abs(Number(nodes[args[1] as number]?.value ?? MAX)) }; break;
        case 'to_real': bound = { a: argBound(0).a * s, c: argBound(0).c * s }; break;
        case 'to_int': bound = argBound(0); break;
        case 'ite': bound = { a: Math.max(argBound(1).a, argBound(2).a), c: Math.max(argBound(1).c, argBound(2).c) }; break;
        default:
          return { unavailable: `operator ${node.op} on the fast path` };
      }
      const problem = limit(bound);
      if (problem !== undefined) return { unavailable: problem };
    }
    bounds[index] = bound;
  }
  if (inputBound < 1) return { unavailable: 'no input range keeps intermediates within ±2^53' };
  return { scale: s, inputBound };
}

export function buildFastTerms(nodes: readonly IrNode[], slotOf: ReadonlyMap<string, number>, plan: FastPlan): FastTerm[] {
  const built: FastTerm[] = [];
  nodes.forEach((node, index) => {
    const args = (node.args ?? []).map((i) => {
      const term = built[i];
      if (term === undefined || i >= index) throw new UnsupportedTermError(`node ${index}: operand ${i} is not defined before it`);
      return term;
    });
    built[index] = buildNode(node, nodes, args, slotOf, plan.scale);
  });
  return built;
}

const MASK64 = (1n << 64n) - 1n;
const u64 = (x: bigint): bigint => x & MASK64;
const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);

function buildNode(node: IrNode, nodes: readonly IrNode[], args: readonly FastTerm[], slotOf: ReadonlyMap<string, number>, scale: number): FastTerm {
  const [a, b, c] = args as [FastTerm, FastTerm, FastTerm];
  const argNodes = (node.args ?? []).map((i) => nodes[i] as IrNode);
  switch (node.op) {
    case 'const': {
      const value = node.value ?? '';
      if (node.sort === 'Bool') return value === 'true' ? () => true : () => false;
      if (node.sort === 'BitVec64') { const big = BigInt(value); return () => big; }
      const q = parseRational(value);
      const n = Number(node.sort === 'Real' ? (q.n * BigInt(scale)) / q.d : q.n);
      return () => n;
    }
    case 'var': {
      const slot = slotOf.get(node.name ?? '');
      if (slot === undefined) throw new UnsupportedTermError(`unknown binding ${node.name}`);
      return (s) => s[slot] as FastValue;
    }
    case 'not': return (s) => !a(s);
    case 'and':
      if (args.length === 2) return (s) => (a(s) as boolean) && (b(s) as boolean);
      return (s) => { for (let i = 0; i < args.length; i++) if (!(args[i] as FastTerm)(s)) return false; return true; };
    case 'or':
      if (args.length === 2) return (s) => (a(s) as boolean) || (b(s) as boolean);
      return (s) => { for (let i = 0; i < args.length; i++) if ((args[i] as FastTerm)(s)) return true; return false; };
    case 'xor': return (s) => a(s) !== b(s);
    case '=>': return (s) => !a(s) || (b(s) as boolean);
    case 'ite': return (s) => (a(s) ? b(s) : c(s));
    case '=': return (s) => a(s) === b(s);
    case 'distinct':
      return (s) => {
        const values = args.map((t) => t(s));
        return new Set(values).size === values.length;
      };
    case '<': return (s) => (a(s) as number) < (b(s) as number);
    case '<=': return (s) => (a(s) as number) <= (b(s) as number);
    case '>': return (s) => (a(s) as number) > (b(s) as number);
    case '>=': return (s) => (a(s) as number) >= (b(s) as number);
    case '+':
      if (args.length === 2) return (s) => (a(s) as number) + (b(s) as number);
      return (s) => { let sum = 0; for (let i = 0; i < args.length; i++) sum += (args[i] as FastTerm)(s) as number; return sum; };
    case '-':
      if (args.length === 1) return (s) => -(a(s) as number);
      return (s) => { let acc = a(s) as number; for (let i = 1; i < args.length; i++) acc -= (args[i] as FastTerm)(s) as number; return acc; };
    case 'neg': return (s) => -(a(s) as number);
    case '*': {
      // The one non-constant operand carries the scale; the others are integer constants (planFastPath checked).
      const scaledIndex = argNodes.findIndex((n) => n.op !== 'const');
      const scaled = args[scaledIndex] as FastTerm;
      let factor = 1;
      argNodes.forEach((n, i) => { if (i !== scaledIndex) factor *= Number(parseRational(n.value ?? '1').n); });
      return (s) => (scaled(s) as number) * factor;
    }
    case 'div': return (s) => { const n = a(s) as number, d = b(s) as number; return (n - mod(n, d)) / d; };
    case 'mod': return (s) => mod(a(s) as number, b(s) as number);
    case 'abs': return (s) => Math.abs(a(s) as number);
    case 'to_real': return (s) => (a(s) as number) * scale;
    case 'to_int': return (s) => floorDiv(a(s) as number, scale);
    case 'is_int': return (s) => (a(s) as number) % scale === 0;
    case 'bvnot': return (s) => u64(~(a(s) as bigint));
    case 'bvneg': return (s) => u64(-(a(s) as bigint));
    case 'bvand': return (s) => { let acc = MASK64; for (const t of args) acc &= t(s) as bigint; return acc; };
    case 'bvor': return (s) => { let acc = 0n; for (const t of args) acc |= t(s) as bigint; return acc; };
    case 'bvxor': return (s) => { let acc = 0n; for (const t of args) acc ^= t(s) as bigint; return acc; };
    case 'bvadd': return (s) => { let acc = 0n; for (const t of args) acc += t(s) as bigint; return u64(acc); };
    case 'bvmul': return (s) => { let acc = 1n; for (const t of args) acc *= t(s) as bigint; return u64(acc); };
    case 'bvsub': return (s) => u64((a(s) as bigint) - (b(s) as bigint));
    case 'bvule': return (s) => (a(s) as bigint) <= (b(s) as bigint);
    case 'bvult': return (s) => (a(s) as bigint) < (b(s) as bigint);
    case 'bvuge': return (s) => (a(s) as bigint) >= (b(s) as bigint);
    case 'bvugt': return (s) => (a(s) as bigint) > (b(s) as bigint);
    case 'bvsle': return (s) => s64(a(s) as bigint) <= s64(b(s) as bigint);
    case 'bvslt': return (s) => s64(a(s) as bigint) < s64(b(s) as bigint);
    case 'bvsge': return (s) => s64(a(s) as bigint) >= s64(b(s) as bigint);
    case 'bvsgt': return (s) => s64(a(s) as bigint) > s64(b(s) as bigint);
    default:
      throw new UnsupportedTermError(`operator ${node.op} on the fast path`);
  }
}

/** Euclidean remainder on integer doubles (exact within ±2^53). */
function mod(n: number, d: number): number {
  const r = n % d;
  return r < 0 ? r + Math.abs(d) : r;
}

/** ⌊n / d⌋ for integer doubles, corrected where the rounded quotient lands on the wrong side of an integer. */
function floorDiv(n: number, d: number): number {
  let q = Math.floor(n / d);
  if (q * d > n) q--;
  else if ((q + 1) * d <= n) q++;
  return q;
}

