// Patterns: the parts of a term that unification can bind (variables, arrays, objects).
import type { Term } from './ast.ts';

export type Env = Map<string, number>;

export function containsWildcard(t: Term): boolean {
  switch (t.type) {
    case 'var': return t.name === '_';
    case 'array': case 'set': return t.items.some(containsWildcard);
    case 'object': return t.entries.some(([, v]) => containsWildcard(v));
    default: return false;
  }
}

export function isPattern(t: Term): boolean { return t.type === 'var' || t.type === 'array' || t.type === 'object'; }

export function hasPatternVars(t: Term, isVar: (n: string) => boolean, env: Env): boolean {
  if (t.type === 'var') return isVar(t.name) && (t.name === '_' || !env.has(t.name));
  if (t.type === 'array') return t.items.some((i) => hasPatternVars(i, isVar, env));
  if (t.type === 'object') return t.entries.some(([, v]) => hasPatternVars(v, isVar, env));
  return false;
}

export function patternVars(t: Term): string[] {
  if (t.type === 'var') return t.name === '_' ? [] : [t.name];
  if (t.type === 'array') return t.items.flatMap(patternVars);
  if (t.type === 'object') return t.entries.flatMap(([, v]) => patternVars(v));
  return [];
}
