import { buildExactTerms, type ExactSlots, type ExactTerm } from './evaluate-exact.ts';
import { buildFastTerms, planFastPath, REAL_INPUT_PRECISION, type FastPlan, type FastSlots, type FastTerm } from './evaluate-fast.ts';
import type { CompiledTemplateIR, IrSort } from './ir.ts';
import { parseRational } from './rational.ts';

/**
 * A compiled template's decision function. Each check of the IR becomes two closure trees (no eval, no
 * `new Function`): one over doubles for inputs the fast plan proves safe, one over BigInt and exact rationals
 * for everything else. Both decide exactly; the fast one allocates nothing on an allowed decision.
 */

/** Binding values as `resolveTemplate` produces them (numeral text), or already-typed values. */
export type PredicateBindings = Readonly<Record<string, string | number | bigint | boolean>>;

export interface CompiledDecision {
  readonly allowed: boolean;
  /** Named constraints that evaluate to false: exactly the constraints without existential variables that fail. */
  readonly violated: readonly string[];
  /**
   * True when a group of constraints sharing existential variables has no solution: the template denies, and
   * which of `unresolved` to name is for Z3's unsat core to say (ask the solver for denied messages only).
   */
  readonly needsCore: boolean;
  /** The constraints of the groups that failed (empty unless needsCore). */
  readonly unresolved: readonly string[];
}

export type CompiledPredicate = ((bindings: PredicateBindings) => CompiledDecision) & {
  readonly template: string;
  /** Whether inputs can take the double path at all (else every decision is exact BigInt arithmetic). */
  readonly fastPath: boolean;
};

export class BindingError extends Error {
  override readonly name = 'BindingError';
}

const ALLOWED: CompiledDecision = Object.freeze({ allowed: true, violated: Object.freeze([]) as readonly string[], needsCore: false, unresolved: Object.freeze([]) as readonly string[] });
const DECIMAL_3 = /^-?\d+(\.\d{1,3})?$/;

function text(value: string | number | bigint | boolean): string {
  return typeof value === 'string' ? value : String(value);
}

/** A binding's value on the fast path, or undefined when it does not fit (the exact path decides then). */
function fastSlot(sort: IrSort, raw: string | number | bigint | boolean, plan: FastPlan): number | bigint | boolean | undefined {
  switch (sort) {
    case 'Bool':
      return raw === true || raw === 'true';
    case 'BitVec64':
      return BigInt(raw as string | number | bigint);
    case 'Int': {
      const n = typeof raw === 'number' ? raw : Number(raw);
      return Number.isSafeInteger(n) && n <= plan.inputBound && n >= -plan.inputBound ? n : undefined;
    }
    case 'Real': {
      // Exact at the scale only when the value has at most three decimals (impact scores do).
      const t = text(raw);
      if (!DECIMAL_3.test(t)) return undefined;
      const thousandths = Math.round(Number(t) * REAL_INPUT_PRECISION);
      if (!Number.isSafeInteger(thousandths) || Math.abs(thousandths) > 2 ** 50) return undefined;
      const scaled = thousandths * (plan.scale / REAL_INPUT_PRECISION);
      return Math.abs(scaled) <= plan.inputBound ? scaled : undefined;
    }
  }
}

function exactSlot(sort: IrSort, raw: string | number | bigint | boolean): bigint | boolean | ReturnType<typeof parseRational> {
  switch (sort) {
    case 'Bool':
      return raw === true || raw === 'true';
    case 'Int':
    case 'BitVec64':
      return BigInt(raw as string | number | bigint);
    case 'Real':
      return parseRational(text(raw));
  }
}

export function compilePredicate(ir: CompiledTemplateIR): CompiledPredicate {
  const slotOf = new Map(ir.bindings.map((b, i) => [b.name, i]));
  const exact: ExactTerm[] = buildExactTerms(ir.nodes, slotOf);
  const planned = planFastPath(ir.nodes);
  const plan = 'unavailable' in planned ? undefined : planned;
  const fast: FastTerm[] | undefined = plan === undefined ? undefined : buildFastTerms(ir.nodes, slotOf, plan);
  const checks = ir.checks.map((check) => ({
    check,
    exact: exact[check.root] as ExactTerm,
    fast: fast?.[check.root] as FastTerm,
  }));
  const { bindings } = ir;
  const count = bindings.length;
  const fastSlots: FastSlots = new Array(count).fill(0);
  const exactSlots: ExactSlots = new Array(count).fill(0n);

  const decide = (values: PredicateBindings): CompiledDecision => {
    let useFast = fast !== undefined;
    for (let i = 0; i < count; i++) {
      const binding = bindings[i]!;
      const raw = values[binding.name];
      if (raw === undefined) throw new BindingError(`template ${ir.template}: binding ${binding.name} has no value`);
      if (useFast) {
        const slot = fastSlot(binding.sort, raw, plan as FastPlan);
        if (slot === undefined) useFast = false;
        else fastSlots[i] = slot;
      }
    }
    if (!useFast) for (let i = 0; i < count; i++) exactSlots[i] = exactSlot(bindings[i]!.sort, values[bindings[i]!.name]!);
    let violated: string[] | undefined;
    let unresolved: string[] | undefined;
    for (let i = 0; i < checks.length; i++) {
      const entry = checks[i]!;
      const holds = useFast ? entry.fast(fastSlots) : entry.exact(exactSlots);
      if (holds === true) continue;
      if (entry.check.kind === 'constraint') (violated ??= []).push(...entry.check.names);
      else (unresolved ??= []).push(...entry.check.names);
    }
    if (violated === undefined && unresolved === undefined) return ALLOWED;
    return { allowed: false, violated: violated ?? [], needsCore: unresolved !== undefined, unresolved: unresolved ?? [] };
  };
  return Object.assign(decide, { template: ir.template, fastPath: fast !== undefined });
}
