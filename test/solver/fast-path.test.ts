import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_POLICY_URL, loadDeliberationPolicy, type BindingSpec, type TemplateSpec } from '../../src/solver/policy.ts';
import { numeralText } from '../../src/solver/smt-values.ts';
import { TemplateSolver, type NumeralBindings } from '../../src/solver/template-solver.ts';
import { instantiateZ3, terminateZ3Threads, type Z3Instance } from '../../src/solver/z3-module.ts';
import { Z3Session } from '../../src/solver/z3-session.ts';

// The fast step (ground evaluation, or an untracked solver with the values as assumptions) must never change a
// verdict: `check` has to equal the tracked-only check, status and named constraints, for any bindings.

let z3: Z3Instance;
let session: Z3Session;
const policy = loadDeliberationPolicy(DEFAULT_POLICY_URL);
const solvers = new Map<string, TemplateSolver>();

before(async () => {
  z3 = await instantiateZ3();
  session = new Z3Session(z3);
  for (const t of policy.templates) solvers.set(t.id, new TemplateSolver(session, t, 200_000));
});

after(() => {
  for (const solver of solvers.values()) solver.dispose();
  session.dispose();
  terminateZ3Threads(z3);
});

function solver(id: string): TemplateSolver {
  const found = solvers.get(id);
  assert.ok(found, `template ${id}`);
  return found;
}

function text(spec: BindingSpec, value: number | string | boolean): string {
  const converted = numeralText(spec.sort, value);
  assert.equal(typeof converted, 'string', `${String(value)} as ${spec.sort}`);
  return converted as string;
}

/** Values around a binding's domain: the edges, a little outside them, and anywhere in a wide range. */
function valueFor(spec: BindingSpec): fc.Arbitrary<string> {
  switch (spec.sort) {
    case 'Bool':
      return fc.boolean().map((v) => text(spec, v));
    case 'Real':
      return fc.integer({ min: -100, max: 1100 }).map((thousandths) => text(spec, thousandths / 1000));
    case 'BitVec64':
      return fc.oneof(fc.integer({ min: 0, max: 15 }).map(String), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((v) => v.toString()));
    case 'Int': {
      const low = spec.min ?? -1000;
      const high = spec.max ?? 150_000;
      return fc.oneof(
        fc.integer({ min: low - 2, max: Math.min(high + 2, low + 30) }),
        fc.integer({ min: Math.max(low - 2, high - 30), max: high + 2 }),
        fc.integer({ min: low - 2, max: high + 2 }),
        fc.constantFrom(0, 1, 999, 1000, 1001, 19_999, 20_000, 20_001, 89_999, 90_000, 90_001, 100_000, 100_001),
      ).map((v) => text(spec, v));
    }
  }
}

function bindingsFor(template: TemplateSpec): fc.Arbitrary<NumeralBindings> {
  const record: Record<string, fc.Arbitrary<string>> = {};
  for (const [name, spec] of Object.entries(template.bindings)) record[name] = valueFor(spec);
  return fc.record(record);
}

/**
 * The named constraints with the bindings' values are unsat on their own: the reasons a denial gives are a real
 * explanation. (Which core Z3 returns when a request breaks several constraints depends on the tracked solver's
 * history, as it did before the fast step existed, so cores are compared by meaning, not by identity.)
 */
function assertUnsatCore(s: TemplateSolver, bindings: NumeralBindings, violated: readonly string[]): void {
  assert.ok(violated.length > 0);
  const scratch = session.solver(200_000);
  const owned = [];
  try {
    s.template.constraints.forEach((constraint, i) => {
      if (violated.includes(constraint.name)) z3.Z3.solver_assert(session.ctx, scratch, s.constraintTerms[i] as never);
    });
    for (const [name, spec] of Object.entries(s.template.bindings)) {
      const constant = session.constant(name, spec.sort);
      const value = session.literal(spec.sort, bindings[name] as string);
      const equality = session.equals(constant, value);
      owned.push(constant, value, equality);
      z3.Z3.solver_assert(session.ctx, scratch, equality);
    }
    assert.equal(session.check(scratch), 'unsat', `${JSON.stringify(bindings)}: ${violated.join(', ')} is not an unsat core`);
  } finally {
    for (const ast of owned) session.release(ast);
    z3.Z3.solver_dec_ref(session.ctx, scratch);
  }
}

describe('fast step vs tracked check (real Z3)', () => {
  for (const template of policy.templates) {
    it(`${template.id}: check equals the tracked check for any bindings, and the fast step decides`, () => {
      const s = solver(template.id);
      fc.assert(
        fc.property(bindingsFor(template), (bindings) => {
          const tracked = s.checkTracked(bindings);
          assert.equal(s.checkFast(bindings), tracked.status, 'fast step and tracked check disagree');
          const verdict = s.check(bindings);
          assert.equal(verdict.status, tracked.status);
          if (verdict.status === 'unsat') assertUnsatCore(s, bindings, verdict.violated);
          else assert.deepEqual(verdict, tracked);
        }),
        { numRuns: 150, seed: 20261122 },
      );
    });
  }

  it('tier-quota: a table of edge cases (reasons named where only one explanation exists)', () => {
    const s = solver('tier-quota');
    const cases: { bindings: NumeralBindings; status: 'sat' | 'unsat'; violated?: string[] }[] = [
      { bindings: { requested: '1000', tier: '0', used0: '0', used1: '0', used2: '0' }, status: 'sat' },
      { bindings: { requested: '1001', tier: '0', used0: '0', used1: '0', used2: '0' }, status: 'unsat', violated: ['tier-caps', 'request-covered'] },
      { bindings: { requested: '1', tier: '0', used0: '1000', used1: '0', used2: '0' }, status: 'unsat' },
      { bindings: { requested: '20000', tier: '1', used0: '0', used1: '0', used2: '80000' }, status: 'sat' },
      { bindings: { requested: '20000', tier: '1', used0: '1', used1: '0', used2: '80000' }, status: 'unsat' },
      { bindings: { requested: '0', tier: '2', used0: '0', used1: '0', used2: '0' }, status: 'unsat', violated: ['positive-request'] },
      { bindings: { requested: '5', tier: '3', used0: '0', used1: '0', used2: '0' }, status: 'unsat' },
      { bindings: { requested: '90000', tier: '2', used0: '0', used1: '0', used2: '0' }, status: 'sat' },
      { bindings: { requested: '90001', tier: '2', used0: '0', used1: '0', used2: '0' }, status: 'unsat' },
    ];
    for (const { bindings, status, violated } of cases) {
      const verdict = s.check(bindings);
      assert.equal(verdict.status, status, JSON.stringify(bindings));
      assert.equal(s.checkTracked(bindings).status, status, JSON.stringify(bindings));
      if (status === 'unsat') assertUnsatCore(s, bindings, verdict.violated);
      if (violated !== undefined) assert.deepEqual(verdict.violated, violated, JSON.stringify(bindings));
    }
  });

  it('a resource limit too small for the fast solver still ends in the tracked verdict (unknown, with its reason)', () => {
    const tight = new TemplateSolver(session, policy.templates.find((t) => t.id === 'tier-quota') as TemplateSpec, 1);
    try {
      const bindings = { requested: '500', tier: '1', used0: '0', used1: '0', used2: '0' };
      const verdict = tight.check(bindings);
      assert.deepEqual(verdict, tight.checkTracked(bindings));
      assert.equal(verdict.status, 'unknown');
      assert.ok(verdict.reason !== undefined && verdict.reason.length > 0);
    } finally {
      tight.dispose();
    }
  });
});
