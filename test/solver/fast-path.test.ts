import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Z3_ast } from 'z3-solver';
import fc from 'fast-check';
import type { BindingSpec, TemplateSpec } from '../../src/solver/policy.ts';
import { numeralText } from '../../src/solver/smt-values.ts';
import { TemplateSolver, type NumeralBindings } from '../../src/solver/template-solver.ts';
import { useDefaultTemplateSolvers } from './solver-fixture.ts';

// A template's verdict comes from one solver that takes the values as assumptions, after an evaluation shortcut
// for templates without variables. Against a reference — the former check: Z3's default parameters, push,
// assert the equalities, check, unsat core, pop — the status must always agree, and a denial's reasons must be
// an unsat core that names no constraint the values satisfy.

const fixture = useDefaultTemplateSolvers();
const { policy, solvers } = fixture;


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

/** The former check, kept here as the reference: default parameters, tracked constraints, push / assert / pop. */
class ReferenceCheck {
  private readonly solver;
  private readonly names = new Map<number, string>();
  private readonly owned: Z3_ast[] = [];

  constructor(readonly template: TemplateSpec, terms: readonly Z3_ast[]) {
    this.solver = fixture.session.solver(200_000);
    template.constraints.forEach((constraint, i) => {
      const tracker = fixture.session.constant(`reference!${template.id}!${constraint.name}`, 'Bool');
      this.owned.push(tracker);
      this.names.set(fixture.session.astId(tracker), constraint.name);
      fixture.z3.Z3.solver_assert_and_track(fixture.session.ctx, this.solver, terms[i] as Z3_ast, tracker);
    });
  }

  check(bindings: NumeralBindings): { status: string; violated: string[] } {
    const temporaries = equalities(this.template, bindings);
    fixture.z3.Z3.solver_push(fixture.session.ctx, this.solver);
    try {
      for (const equality of temporaries.equalities) fixture.z3.Z3.solver_assert(fixture.session.ctx, this.solver, equality);
      const status = fixture.session.check(this.solver);
      const violated = status === 'unsat' ? fixture.session.unsatCoreIds(this.solver).map((id) => this.names.get(id) as string) : [];
      return { status, violated };
    } finally {
      fixture.z3.Z3.solver_pop(fixture.session.ctx, this.solver, 1);
      temporaries.release();
    }
  }

  dispose(): void {
    fixture.z3.Z3.solver_dec_ref(fixture.session.ctx, this.solver);
    for (const ast of this.owned) fixture.session.release(ast);
  }
}

/** `binding = value` for every binding of a template, with the constants and values, until `release`. */
function equalities(template: TemplateSpec, bindings: NumeralBindings): { constants: Z3_ast[]; values: Z3_ast[]; equalities: Z3_ast[]; release(): void } {
  const constants: Z3_ast[] = [];
  const values: Z3_ast[] = [];
  const result: Z3_ast[] = [];
  for (const [name, spec] of Object.entries(template.bindings)) {
    constants.push(fixture.session.constant(name, spec.sort));
    values.push(fixture.session.literal(spec.sort, bindings[name] as string));
    result.push(fixture.session.equals(constants.at(-1) as Z3_ast, values.at(-1) as Z3_ast));
  }
  return { constants, values, equalities: result, release: () => [...constants, ...values, ...result].forEach((ast) => fixture.session.release(ast)) };
}

/**
 * The named constraints with the bindings' values are unsat on their own (a real explanation), and none of
 * them is satisfied by the values alone.
 */
function assertExplains(s: TemplateSolver, bindings: NumeralBindings, violated: readonly string[]): void {
  assert.ok(violated.length > 0);
  const temporaries = equalities(s.template, bindings);
  const scratch = fixture.session.solver(200_000);
  try {
    s.template.constraints.forEach((constraint, i) => {
      if (violated.includes(constraint.name)) fixture.z3.Z3.solver_assert(fixture.session.ctx, scratch, s.constraintTerms[i] as Z3_ast);
    });
    for (const equality of temporaries.equalities) fixture.z3.Z3.solver_assert(fixture.session.ctx, scratch, equality);
    assert.equal(fixture.session.check(scratch), 'unsat', `${JSON.stringify(bindings)}: ${violated.join(', ')} is not an unsat core`);
    for (const name of violated) {
      const term = s.constraintTerms[s.template.constraints.findIndex((c) => c.name === name)] as Z3_ast;
      assert.notEqual(fixture.session.evaluate(term, temporaries.constants, temporaries.values), true, `${JSON.stringify(bindings)}: ${name} holds for these values, yet is named`);
    }
  } finally {
    fixture.z3.Z3.solver_dec_ref(fixture.session.ctx, scratch);
    temporaries.release();
  }
}

describe('template solver vs the former tracked check (real Z3)', () => {
  for (const template of policy.templates) {
    it(`${template.id}: same status for any bindings; denials name an unsat core of failing constraints; evaluation agrees`, () => {
      const s = solver(template.id);
      const reference = new ReferenceCheck(template, s.constraintTerms);
      try {
        fc.assert(
          fc.property(bindingsFor(template), (bindings) => {
            const expected = reference.check(bindings);
            const verdict = s.check(bindings);
            assert.equal(verdict.status, expected.status);
            assert.equal(s.checkSolver(bindings).status, expected.status);
            const evaluated = s.evaluate(bindings);
            if (Object.keys(template.variables ?? {}).length === 0) assert.equal(evaluated, expected.status === 'sat', 'evaluation folds to the verdict');
            else assert.equal(evaluated, undefined);
            if (verdict.status === 'unsat') assertExplains(s, bindings, verdict.violated);
            else assert.deepEqual(verdict.violated, []);
          }),
          { numRuns: 150, seed: 20261122 },
        );
      } finally {
        reference.dispose();
      }
    });
  }

  it('tier-quota: a table of edge cases, with the reasons the former check gave', () => {
    const s = solver('tier-quota');
    const reference = new ReferenceCheck(policy.templates.find((t) => t.id === 'tier-quota') as TemplateSpec, s.constraintTerms);
    const none = { used0: '0', used1: '0', used2: '0' };
    const cases: { bindings: NumeralBindings; status: 'sat' | 'unsat'; violated?: string[] }[] = [
      { bindings: { requested: '1000', tier: '0', ...none }, status: 'sat' },
      { bindings: { requested: '1001', tier: '0', ...none }, status: 'unsat', violated: ['tier-caps', 'request-covered'] },
      { bindings: { requested: '999', tier: '2', used0: '0', used1: '1001', used2: '90000' }, status: 'unsat', violated: ['tier-caps', 'request-covered'] },
      { bindings: { requested: '22', tier: '0', used0: '1000', used1: '1', used2: '27110' }, status: 'unsat', violated: ['tier-caps', 'request-covered'] },
      { bindings: { requested: '1', tier: '0', used0: '1000', ...{ used1: '0', used2: '0' } }, status: 'unsat' },
      { bindings: { requested: '20000', tier: '1', used0: '0', used1: '0', used2: '80000' }, status: 'sat' },
      { bindings: { requested: '20000', tier: '1', used0: '1', used1: '0', used2: '80000' }, status: 'unsat' },
      { bindings: { requested: '0', tier: '2', ...none }, status: 'unsat', violated: ['positive-request'] },
      { bindings: { requested: '5', tier: '3', ...none }, status: 'unsat', violated: ['known-tier'] },
      { bindings: { requested: '90000', tier: '2', ...none }, status: 'sat' },
      { bindings: { requested: '90001', tier: '2', ...none }, status: 'unsat', violated: ['tier-caps', 'request-covered'] },
    ];
    try {
      for (const { bindings, status, violated } of cases) {
        const verdict = s.check(bindings);
        const expected = reference.check(bindings);
        assert.equal(verdict.status, status, JSON.stringify(bindings));
        assert.equal(expected.status, status, JSON.stringify(bindings));
        if (status === 'unsat') assertExplains(s, bindings, verdict.violated);
        if (violated !== undefined) {
          assert.deepEqual(verdict.violated, violated, JSON.stringify(bindings));
          assert.deepEqual(expected.violated, violated, `reference: ${JSON.stringify(bindings)}`);
        }
      }
    } finally {
      reference.dispose();
    }
  });

  it('a resource limit too small ends in unknown, with Z3\'s reason', () => {
    const tight = new TemplateSolver(fixture.session, policy.templates.find((t) => t.id === 'tier-quota') as TemplateSpec, 1);
    try {
      const verdict = tight.check({ requested: '500', tier: '1', used0: '0', used1: '0', used2: '0' });
      assert.equal(verdict.status, 'unknown');
      assert.ok(verdict.reason !== undefined && verdict.reason.length > 0);
      assert.deepEqual(verdict.violated, []);
    } finally {
      tight.dispose();
    }
  });
});
