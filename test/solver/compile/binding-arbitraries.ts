import fc from 'fast-check';
import type { BindingSpec, TemplateSpec } from '../../../src/solver/policy.ts';
import { numeralText } from '../../../src/solver/smt-values.ts';

/**
 * Random binding values for a template, as `resolveTemplate` hands them over (numeral text), biased to the
 * edges where an evaluator goes wrong: 0, ±1, every constant the template mentions ± 1, ±(2^53 ± 1), values
 * past 2^63, an absent optional source (the binding takes its default), and for Real both thousandths (the
 * fast path) and decimals with more digits (the exact path).
 */

const TWO_53 = 2n ** 53n;

/** Integers written in the template (parameters and constraint text), each with its neighbours. */
function templateEdges(template: TemplateSpec): bigint[] {
  const found = new Set<bigint>([0n, 1n, -1n, 2n, 3n, TWO_53 - 1n, TWO_53, TWO_53 + 1n, -(TWO_53 - 1n), -(TWO_53 + 1n), 2n ** 63n, 2n ** 64n - 1n]);
  const texts = [...template.constraints.map((c) => c.assert), ...Object.values(template.parameters ?? {}).map((p) => String(p.value))];
  for (const text of texts) {
    for (const match of text.matchAll(/0x[0-9a-fA-F]+|\d+/g)) {
      const n = BigInt(match[0]);
      for (const v of [n - 1n, n, n + 1n, -n]) found.add(v);
    }
  }
  return [...found];
}

function intArbitrary(edges: readonly bigint[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...edges) },
    { weight: 3, arbitrary: fc.bigInt({ min: -5n, max: 30n }) },
    { weight: 3, arbitrary: fc.bigInt({ min: -200_000n, max: 200_000n }) },
    { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }) },
  ).map((n) => n.toString());
}

function bitVecArbitrary(): fc.Arbitrary<string> {
  const MAX = 2n ** 64n - 1n;
  return fc.oneof(
    fc.constantFrom(0n, 1n, 7n, 8n, 2n ** 63n, MAX, 0xff00000000000000n, 0x00ffffffffffffffn),
    fc.bigInt({ min: 0n, max: 255n }),
    fc.bigInt({ min: 0n, max: MAX }),
    // Sparse masks: a few set bits anywhere in the 64.
    fc.array(fc.integer({ min: 0, max: 63 }), { maxLength: 4 }).map((bits) => bits.reduce((m, b) => m | (1n << BigInt(b)), 0n)),
  ).map((n) => n.toString());
}

function realArbitrary(edges: readonly bigint[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: -3000, max: 3000 }).map((t) => t / 1000) },
    { weight: 2, arbitrary: fc.constantFrom(0, 0.333, 0.334, 1 / 3, 0.5, 0.8, 0.799, 0.95, 0.949, 0.9499999881, 1, 2.5, -0.001, 1e-7) },
    { weight: 2, arbitrary: fc.double({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true }) },
    // Below 1e-40 the numeral text is written as 0 (smt-values' decimalText); Z3 and the predicate both read it so.
    { weight: 1, arbitrary: fc.constantFrom(5e-324, -5e-324, 1e-41) },
    { weight: 1, arbitrary: fc.constantFrom(...edges).map((n) => Number(n)) },
  ).map((v) => numeralText('Real', Object.is(v, -0) ? 0 : v) as string);
}

function bindingArbitrary(spec: BindingSpec, edges: readonly bigint[]): fc.Arbitrary<string> {
  const value = spec.sort === 'Int' ? intArbitrary(edges) : spec.sort === 'Real' ? realArbitrary(edges) : spec.sort === 'BitVec64' ? bitVecArbitrary() : fc.constantFrom('true', 'false');
  if (spec.default === undefined) return value;
  // An absent source: resolveTemplate binds the default.
  const fallback = numeralText(spec.sort, spec.default) as string;
  return fc.oneof({ weight: 5, arbitrary: value }, { weight: 1, arbitrary: fc.constant(fallback) });
}

export function bindingsArbitrary(template: TemplateSpec): fc.Arbitrary<Record<string, string>> {
  const edges = templateEdges(template);
  const shape: Record<string, fc.Arbitrary<string>> = {};
  for (const [name, spec] of Object.entries(template.bindings)) shape[name] = bindingArbitrary(spec, edges);
  return fc.record(shape);
}
