// A JSON value as a Rego term (object and array literals of constants), for values the compiler
// knows at compile time (rego.metadata.rule()).
import type { Location, Term } from './ast.ts';

export function jsonTerm(v: unknown, loc: Location): Term {
  if (v === null) return { type: 'null', loc };
  if (typeof v === 'boolean') return { type: 'boolean', value: v, loc };
  if (typeof v === 'number') return { type: 'number', value: v, text: String(v), loc };
  if (typeof v === 'string') return { type: 'string', value: v, loc };
  if (Array.isArray(v)) return { type: 'array', items: v.map((x) => jsonTerm(x, loc)), loc };
  return { type: 'object', entries: Object.entries(v as object).map(([k, x]) => [{ type: 'string', value: k, loc }, jsonTerm(x, loc)] as const), loc };
}
