import { ErrorCode } from '../errors.ts';
import { resolveTemplates, type BindingInput } from './bindings.ts';
import type { LoadedCompiledPolicy } from './compile/compile-policy.ts';
import type { NumeralBindings } from './template-solver.ts';
import type { DeliberationDecision } from './decision.ts';
import type { DeliberationPolicy } from './policy.ts';

/**
 * What the compiled templates say about a message: `decided` (the same decision and reasons the solver gives),
 * `solver` (a template did not compile, or a binding is outside what its compiled form decides exactly), or
 * `denied-unnamed`: certainly denied, but which constraints of an existential group to name is for the solver's
 * unsat core to say — `decision` then names the whole group, for when the core cannot be had, and `unnamed`
 * says which templates (with their bindings) the solver is to name; `reasons[i]` of those is replaced by its answer.
 */
export type CompiledOutcome =
  | { readonly kind: 'decided'; readonly decision: DeliberationDecision }
  | { readonly kind: 'denied-unnamed'; readonly decision: DeliberationDecision; readonly unnamed: readonly UnnamedDenial[] }
  | { readonly kind: 'solver' };

/** A template whose denial the solver is to name: its bindings, and where its reason stands in the decision. */
export interface UnnamedDenial {
  readonly template: string;
  readonly bindings: NumeralBindings;
  readonly reasonIndex: number;
}

const SOLVER: CompiledOutcome = Object.freeze({ kind: 'solver' });

export function decideCompiled(policy: DeliberationPolicy, compiled: LoadedCompiledPolicy, input: BindingInput): CompiledOutcome {
  const { templates, missing, firstInvalid, bound } = resolveTemplates(policy.templates, input);
  if (missing.length > 0) return { kind: 'decided', decision: denied(missing, templates, firstInvalid) };
  const denials: string[] = [];
  let firstDenied: string | undefined;
  const unnamed: UnnamedDenial[] = [];
  for (const { template: id, bindings } of bound) {
    const predicate = compiled.predicates.get(id);
    if (predicate === undefined) return SOLVER;
    let decision;
    try {
      decision = predicate(bindings);
    } catch {
      return SOLVER;
    }
    if (!decision.allowed) {
      firstDenied ??= id;
      const named = decision.needsCore ? [...decision.violated, ...decision.unresolved] : decision.violated;
      if (decision.needsCore) unnamed.push({ template: id, bindings, reasonIndex: denials.length });
      denials.push(`${id}: violated ${named.join(', ')}`);
    }
  }
  if (templates.length === 0) {
    return { kind: 'decided', decision: { allowed: false, code: ErrorCode.DELIBERATION_ERROR, reasons: ['no deliberation template applies to this message'], cached: false, templates } };
  }
  if (denials.length > 0) {
    const decision = denied(denials, templates, firstDenied);
    return unnamed.length > 0 ? { kind: 'denied-unnamed', decision, unnamed } : { kind: 'decided', decision };
  }
  return { kind: 'decided', decision: { allowed: true, reasons: [], cached: false, templates } };
}

function denied(reasons: readonly string[], templates: readonly string[], template: string | undefined): DeliberationDecision {
  return { allowed: false, code: ErrorCode.DELIBERATION_DENIED, reasons, cached: false, templates, ...(template !== undefined ? { template } : {}) };
}
