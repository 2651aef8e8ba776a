import type { RegexProver } from './regex-prover.ts';
import { ONE_NO_SLASH, prefixesCompatible, type Glob, type PermissionRule } from './rules.ts';
import { coveredBySingleRules, ruleMatches } from './subsume.ts';

/**
 * Compares an original rule set A with a consolidated one B, both ways:
 * - lost: rules of A not covered by B (some request A allowed that B refuses), with a witness request;
 * - over-grants: rules of B not covered by A (B allows more), with a witness request.
 * Each rule goes through the JS pass first (covered by a single rule of the other set), then Z3 against the
 * prefix-compatible rules of the other set only.
 */

export interface Difference {
  /** The rule (as written) that is not covered. */
  readonly rule: string;
  /** A concrete request (flat `Tool(arg)` string or path) that shows it; null when undecided. */
  readonly witness: string | null;
  /** When Z3 could not decide (treated as not covered: fail closed). */
  readonly undecided?: string;
}

export interface ComparisonReport {
  readonly lost: readonly Difference[];
  readonly overGrants: readonly Difference[];
  readonly stats: { readonly rulesA: number; readonly rulesB: number; readonly settledByJs: number; readonly z3Queries: number; readonly millis: number };
}

/** A member of a glob with every wildcard replaced by `fill` (`?` by "x"); fill "" gives the shortest member. */
export function sampleOf(glob: Glob, fill = ''): string {
  let out = '';
  for (const token of glob) {
    if (token >= 0) out += String.fromCharCode(token);
    else if (token === ONE_NO_SLASH) out += 'x';
    else out += fill;
  }
  return out;
}

/**
 * Cheap witnesses first: a few concrete members of the rule, tested for exact membership in the other set.
 * Any that is not matched is a true witness, no solver needed. Informative fills ("x") come before the
 * shortest member so reports read `Bash(git x)` rather than `Bash(git )`.
 */
function sampledWitness(rule: PermissionRule, others: readonly PermissionRule[]): string | null {
  for (const fill of ['x', 'x/x', '']) {
    for (const glob of rule.alternatives) {
      const sample = sampleOf(glob, fill);
      if (!others.some((other) => ruleMatches(other, sample))) return sample;
    }
  }
  return null;
}

export interface CompareOptions {
  /** Settle what the JS pass can (single-rule inclusion, sampled witnesses) before asking Z3. Default true; false sends every rule to Z3 (benchmarks, cross-checks). */
  readonly fastPass?: boolean;
  /** Called after each rule is settled, with how many of the rules of both sets are done (progress bars). */
  readonly onProgress?: (done: number, total: number) => void;
}

function uncovered(inner: readonly PermissionRule[], outer: readonly PermissionRule[], prover: RegexProver, counts: { js: number }, fastPass: boolean, settled?: () => void): Difference[] {
  const differences: Difference[] = [];
  for (const rule of inner) {
    settled?.();
    if (fastPass && coveredBySingleRules(outer, rule) !== null) {
      counts.js++;
      continue;
    }
    const candidates = outer.filter((o) => prefixesCompatible(o.prefix, rule.prefix));
    const sampled = fastPass ? sampledWitness(rule, candidates) : null;
    if (sampled !== null) {
      counts.js++;
      differences.push({ rule: rule.source, witness: sampled });
      continue;
    }
    const result = prover.difference(rule, candidates);
    if (result.status === 'witness') differences.push({ rule: rule.source, witness: result.witness });
    else if (result.status === 'unknown') differences.push({ rule: rule.source, witness: null, undecided: result.reason });
  }
  return differences;
}

export function compareRuleSets(original: readonly PermissionRule[], consolidated: readonly PermissionRule[], prover: RegexProver, options: CompareOptions = {}): ComparisonReport {
  const fastPass = options.fastPass ?? true;
  const started = performance.now();
  const queriesBefore = prover.queries;
  const counts = { js: 0 };
  const total = original.length + consolidated.length;
  let done = 0;
  const settled = options.onProgress === undefined ? undefined : () => options.onProgress!(done++, total);
  const lost = uncovered(original, consolidated, prover, counts, fastPass, settled);
  const overGrants = uncovered(consolidated, original, prover, counts, fastPass, settled);
  options.onProgress?.(total, total);
  return {
    lost,
    overGrants,
    stats: {
      rulesA: original.length,
      rulesB: consolidated.length,
      settledByJs: counts.js,
      z3Queries: prover.queries - queriesBefore,
      millis: performance.now() - started,
    },
  };
}
