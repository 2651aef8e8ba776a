// Object, array, number and string built-ins OPA defines in Go (topdown/object.go, array.go,
// numbers.go, strings.go, bits.go), as host built-ins. Sets arrive as arrays (values cross as JSON).
import { BuiltinError, type HostBuiltinTable } from './registry.ts';
import { exactInteger } from './exact-json.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

function object(name: string, v: unknown, position = 1): JsonObject {
  if (!isObject(v)) throw new BuiltinError(name, `operand ${position} must be object but got ${typeName(v)}`);
  return v;
}
function integer(name: string, v: unknown, position: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new BuiltinError(name, `operand ${position} must be integer number but got ${typeof v === 'number' ? 'floating-point number' : typeName(v)}`);
  return v;
}
function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}
/** Keys given as an array, a set (an array here) or an object (its keys). */
function keyList(name: string, v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((k): k is string => typeof k === 'string');
  if (isObject(v)) return Object.keys(v);
  throw new BuiltinError(name, `operand 2 must be one of {object, array, set} but got ${typeName(v)}`);
}

function union(a: Json, b: Json): Json {
  if (!isObject(a) || !isObject(b)) return b;
  const out: JsonObject = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in a ? union(a[k]!, v) : v;
  return out;
}

function strings(name: string, v: unknown, position: number): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw new BuiltinError(name, `operand ${position} must be one of {string, set, array} of strings`);
}

/** Go's strings.NewReplacer over the object's pairs (keys in sorted order): one pass, no overlaps. */
function replaceN(name: string, patterns: unknown, s: unknown): string {
  const pairs = Object.entries(object(name, patterns)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (typeof s !== 'string') throw new BuiltinError(name, 'operand 2 must be string');
  for (const [, v] of pairs) if (typeof v !== 'string') throw new BuiltinError(name, 'operand 1 must be an object of strings');
  let out = '';
  let i = 0;
  // An empty key matches at every position, once: right after it matched, the others get their turn.
  let previousEmpty = false;
  while (i <= s.length) {
    const hit = pairs.find(([k]) => (k === '' ? !previousEmpty : s.startsWith(k, i)));
    previousEmpty = hit !== undefined && hit[0] === '';
    if (hit) { out += hit[1] as string; i += hit[0].length; continue; }
    if (i < s.length) out += s[i];
    i++;
  }
  return out;
}

function bigint(name: string, v: unknown, position: number): bigint {
  return BigInt(integer(name, v, position));
}
function bits(name: string, f: (a: bigint, b: bigint) => bigint): { arity: number; impl: (a: unknown, b: unknown) => number | bigint } {
  return { arity: 2, impl: (a, b) => exactInteger(f(bigint(name, a, 1), bigint(name, b, 2))) };
}

export const COLLECTION_BUILTINS: HostBuiltinTable = {
  'object.union': { arity: 2, guardNestedSets: true, impl: (a: unknown, b: unknown) => union(object('object.union', a, 1), object('object.union', b, 2)) },
  'object.union_n': {
    arity: 1, guardNestedSets: true,
    impl: (objects: unknown) => {
      if (!Array.isArray(objects)) throw new BuiltinError('object.union_n', `operand 1 must be array but got ${typeName(objects)}`);
      return objects.reduce<Json>((acc, o) => union(acc, object('object.union_n', o)), {});
    },
  },
  'object.remove': {
    arity: 2, guardNestedSets: true,
    impl: (o: unknown, keys: unknown) => {
      const drop = new Set(keyList('object.remove', keys));
      return Object.fromEntries(Object.entries(object('object.remove', o)).filter(([k]) => !drop.has(k)));
    },
  },
  'object.filter': {
    arity: 2, guardNestedSets: true,
    impl: (o: unknown, keys: unknown) => {
      const keep = new Set(keyList('object.filter', keys));
      return Object.fromEntries(Object.entries(object('object.filter', o)).filter(([k]) => keep.has(k)));
    },
  },
  'array.slice': {
    arity: 3, guardNestedSets: true,
    impl: (a: unknown, start: unknown, stop: unknown) => {
      if (!Array.isArray(a)) throw new BuiltinError('array.slice', `operand 1 must be array but got ${typeName(a)}`);
      const from = Math.max(0, integer('array.slice', start, 2));
      const to = Math.min(a.length, integer('array.slice', stop, 3));
      return from >= to ? [] : a.slice(from, to);
    },
  },
  'array.reverse': {
    arity: 1, guardNestedSets: true,
    impl: (a: unknown) => {
      if (!Array.isArray(a)) throw new BuiltinError('array.reverse', `operand 1 must be array but got ${typeName(a)}`);
      return [...a].reverse();
    },
  },
  'numbers.range': {
    arity: 2,
    impl: (a: unknown, b: unknown) => {
      const from = integer('numbers.range', a, 1);
      const to = integer('numbers.range', b, 2);
      const step = from <= to ? 1 : -1;
      const out: number[] = [];
      for (let i = from; step > 0 ? i <= to : i >= to; i += step) out.push(i);
      return out;
    },
  },
  'numbers.range_step': {
    arity: 3,
    impl: (a: unknown, b: unknown, s: unknown) => {
      const from = integer('numbers.range_step', a, 1);
      const to = integer('numbers.range_step', b, 2);
      const step = integer('numbers.range_step', s, 3);
      if (step <= 0) throw new BuiltinError('numbers.range_step', 'step must be a positive integer');
      const out: number[] = [];
      if (from <= to) for (let i = from; i <= to; i += step) out.push(i);
      else for (let i = from; i >= to; i -= step) out.push(i);
      return out;
    },
  },
  'strings.replace_n': { arity: 2, impl: (p: unknown, s: unknown) => replaceN('strings.replace_n', p, s) },
  'strings.any_prefix_match': {
    arity: 2,
    impl: (search: unknown, base: unknown) => {
      const bases = strings('strings.any_prefix_match', base, 2);
      return strings('strings.any_prefix_match', search, 1).some((s) => bases.some((b) => s.startsWith(b)));
    },
  },
  'strings.any_suffix_match': {
    arity: 2,
    impl: (search: unknown, base: unknown) => {
      const bases = strings('strings.any_suffix_match', base, 2);
      return strings('strings.any_suffix_match', search, 1).some((s) => bases.some((b) => s.endsWith(b)));
    },
  },
  'strings.reverse': {
    arity: 1,
    impl: (s: unknown) => {
      if (typeof s !== 'string') throw new BuiltinError('strings.reverse', 'operand 1 must be string');
      return [...s].reverse().join('');
    },
  },
  'bits.or': bits('bits.or', (a, b) => a | b),
  'bits.and': bits('bits.and', (a, b) => a & b),
  'bits.xor': bits('bits.xor', (a, b) => a ^ b),
  'bits.lsh': bits('bits.lsh', (a, b) => { if (b < 0n) throw new BuiltinError('bits.lsh', 'shift count must be non-negative'); return a << b; }),
  'bits.rsh': bits('bits.rsh', (a, b) => { if (b < 0n) throw new BuiltinError('bits.rsh', 'shift count must be non-negative'); return a >> b; }),
  'bits.negate': { arity: 1, impl: (a: unknown) => exactInteger(~bigint('bits.negate', a, 1)) },
  'to_number': {
    arity: 1,
    impl: (v: unknown) => {
      if (v === null) return 0;
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (typeof v === 'number') return v;
      if (typeof v === 'string' && /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(v.trim()) && v.trim() === v) return Number(v);
      throw new BuiltinError('to_number', `invalid syntax: ${JSON.stringify(v)}`);
    },
  },
  'json.marshal': { arity: 1, impl: (v: unknown) => JSON.stringify(sortKeys(v as Json)) },
  'json.unmarshal': {
    arity: 1,
    impl: (s: unknown) => {
      if (typeof s !== 'string') throw new BuiltinError('json.unmarshal', 'operand 1 must be string');
      try { return JSON.parse(s) as Json; } catch (error) { throw new BuiltinError('json.unmarshal', (error as Error).message); }
    },
  },
};

/** Go's json.Marshal writes object keys sorted. */
function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k]!)]));
  return v;
}
