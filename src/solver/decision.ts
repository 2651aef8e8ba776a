import type { ErrorCode } from '../errors.ts';

/** What deliberation decided about one high-impact message. */
export interface DeliberationDecision {
  readonly allowed: boolean;
  readonly code?: typeof ErrorCode.DELIBERATION_DENIED | typeof ErrorCode.DELIBERATION_ERROR | typeof ErrorCode.OVERLOADED;
  /** Why: violated constraints (`template: constraint, …`), missing bindings, or the failure. Empty when allowed. */
  readonly reasons: readonly string[];
  /** True when every verdict came from the cache (the solver was not asked). */
  readonly cached: boolean;
  /** The first template that denied, when one did. */
  readonly template?: string;
  /** The templates that applied to the message. */
  readonly templates: readonly string[];
  /** Time Z3 spent on this decision inside the worker, µs (absent when the solver was not asked). */
  readonly solverMicros?: number;
}
