import { parseRule, prefixesCompatible, type PermissionRule, type RuleMode } from './rules.ts';
import { ruleIncludes } from './subsume.ts';

/**
 * Proposes a smaller rule set covering the original. Two steps, both deterministic:
 *
 * 1. Generalise groups of similar rules (at least `minGroup` of them):
 *    - Bash commands sharing their first word → `Bash(word:*)`;
 *    - path rules of one tool in one directory → `Tool(dir/**)`;
 *    - WebFetch domains under one parent domain → `WebFetch(domain:*.parent)`;
 *    - MCP tools of one server (`mcp__server__tool`) → `mcp__server__*`;
 *    - plain globs in one directory → `dir/**`.
 * 2. Drop every rule included in another (the JS inclusion test), keeping the first of equals.
 *
 * Generalising over-grants by design (`Bash(git:*)` admits `git push`); the caller proves the result with
 * `compareRuleSets` and reports each over-grant with a witness so a person can decide.
 */

export interface ConsolidationOptions {
  /** Smallest group that is generalised. Default 3. */
  readonly minGroup?: number;
}

function directoryOf(path: string): string | null {
  const wildcard = path.search(/[*?]/);
  const literal = wildcard < 0 ? path : path.slice(0, wildcard);
  const slash = literal.lastIndexOf('/');
  return slash > 0 ? literal.slice(0, slash) : null;
}

const TOOL_RULE = /^([A-Za-z_][A-Za-z0-9_.*-]*)\((.*)\)$/s;

/** The generalisation a rule belongs to, or null when it stays as written. */
function generalisation(source: string, mode: RuleMode): string | null {
  if (mode === 'globs') {
    const dir = directoryOf(source);
    return dir === null ? null : `${dir}/**`;
  }
  const match = TOOL_RULE.exec(source);
  if (match === null) {
    const mcp = /^(mcp__[^_]+(?:_[^_]+)*)__[^*]+$/.exec(source);
    return mcp === null ? null : `${mcp[1]}__*`;
  }
  const [, tool, arg] = match as unknown as [string, string, string];
  if (tool === 'Bash') {
    const word = /^([A-Za-z0-9_./-]+)(?: |:\*$)/.exec(arg);
    return word === null ? null : `Bash(${word[1]}:*)`;
  }
  if (tool === 'WebFetch') {
    const domain = /^domain:(?:[^.]+\.)+?([^.]+\.[^.]+)$/.exec(arg);
    return domain === null ? null : `WebFetch(domain:*.${domain[1]})`;
  }
  if (arg.startsWith('/') || arg.startsWith('./') || arg.startsWith('~')) {
    const dir = directoryOf(arg);
    return dir === null ? null : `${tool}(${dir}/**)`;
  }
  return null;
}

/** Keeps rules not included in an earlier-kept or later rule; of two equal rules the first stays. */
export function removeSubsumed(rules: readonly PermissionRule[]): PermissionRule[] {
  const kept: PermissionRule[] = [];
  rules.forEach((rule, i) => {
    const covered = rules.some((other, j) => {
      if (i === j || !prefixesCompatible(rule.prefix, other.prefix)) return false;
      if (!ruleIncludes(other, rule)) return false;
      // Mutual inclusion (equal languages): keep the earlier one only.
      return !ruleIncludes(rule, other) || j < i;
    });
    if (!covered) kept.push(rule);
  });
  return kept;
}

export function proposeConsolidation(entries: readonly string[], mode: RuleMode, options: ConsolidationOptions = {}): string[] {
  const minGroup = options.minGroup ?? 3;
  const groups = new Map<string, string[]>();
  for (const entry of entries) {
    const key = generalisation(entry, mode);
    if (key === null) continue;
    const group = groups.get(key) ?? [];
    group.push(entry);
    groups.set(key, group);
  }
  const proposed: string[] = [];
  const emitted = new Set<string>();
  for (const entry of entries) {
    const key = generalisation(entry, mode);
    const replacement = key !== null && (groups.get(key)?.length ?? 0) >= minGroup ? key : entry;
    if (!emitted.has(replacement)) {
      emitted.add(replacement);
      proposed.push(replacement);
    }
  }
  return removeSubsumed(proposed.map((source) => parseRule(source, mode))).map((rule) => rule.source);
}
