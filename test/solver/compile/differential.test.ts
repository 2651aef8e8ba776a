import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Z3_ast } from 'z3-solver';
import { compileTemplateIR } from '../../../src/solver/compile/compile-template.ts';
import type { TemplateIR } from '../../../src/solver/compile/ir.ts';
import { compilePredicate } from '../../../src/solver/compile/predicate.ts';
import { DEFAULT_POLICY_URL, loadDeliberationPolicy, type TemplateSpec } from '../../../src/solver/policy.ts';
import { TemplateSolver } from '../../../src/solver/template-solver.ts';
import { instantiateZ3, terminateZ3Threads, type Z3Instance } from '../../../src/solver/z3-module.ts';
import { Z3Session } from '../../../src/solver/z3-session.ts';
import { bindingsArbitrary } from './binding-arbitraries.ts';
import { grantMask, perfectSquare, TEST_TEMPLATES } from './test-templates.ts';

/**
 * Compiled predicate against per-message Z3 (today's TemplateSolver, the solver workers' code), on random
 * bindings biased to edges. For each binding set:
 *
 * - the verdicts agree (allowed ⇔ sat);
 * - the compiled `violated` is exactly the set of variable-free constraints Z3's own rewriter evaluates to false;
 * - every constraint today's unsat core names is in the compiled `violated`, or in `unresolved` when a group
 *   with existential variables failed (`needsCore`): a core names one of several independently failing
 *   constraints, chosen by the solver's history, so the compiled answer is the deterministic superset;
 * - where exactly one constraint fails and no group needs a core, the names are identical.
 *
 * DIFFERENTIAL_RUNS sets the count per template (default 1,000, which keeps the file near a minute on a busy
 * 2-core machine; `npm run test:differential` runs 100,000).
 */

const RUNS = Number(process.env.DIFFERENTIAL_RUNS ?? 1_000);
const SEED = process.env.DIFFERENTIAL_SEED === undefined ? undefined : Number(process.env.DIFFERENTIAL_SEED);
const policy = loadDeliberationPolicy(DEFAULT_POLICY_URL);

let z3: Z3Instance;
let session: Z3Session;
const owned: (() => void)[] = [];

before(async () => {
  z3 = await instantiateZ3();
  session = new Z3Session(z3);
});
after(() => {
  for (const release of owned) release();
  session.dispose();
  terminateZ3Threads(z3);
});

interface Reference {
  readonly solver: TemplateSolver;
  /** Z3's rewriter on one constraint with the values substituted: true, false, or undefined (mentions a variable). */
  evaluate(constraint: number, bindings: Readonly<Record<string, string>>): boolean | undefined;
}

function reference(template: TemplateSpec): Reference {
  const solver = new TemplateSolver(session, template, 0);
  const constants = Object.entries(template.bindings).map(([name, b]) => ({ name, sort: b.sort, ast: session.constant(name, b.sort) }));
  owned.push(() => {
    solver.dispose();
    for (const c of constants) session.release(c.ast);
  });
  return {
    solver,
    evaluate(constraint, bindings) {
      const values: Z3_ast[] = constants.map((c) => session.literal(c.sort, bindings[c.name] as string));
      try {
        return session.evaluate(solver.constraintTerms[constraint] as Z3_ast, constants.map((c) => c.ast), values);
      } finally {
        for (const v of values) session.release(v);
      }
    },
  };
}

function differential(template: TemplateSpec, expectFastPath: boolean | undefined): void {
  it(`${template.id}: compiled predicate = per-message Z3 over ${RUNS} bindings`, () => {
    const ir: TemplateIR = compileTemplateIR(session, template);
    assert.equal(ir.mode, 'compiled', ir.mode === 'fallback' ? ir.reason : '');
    if (ir.mode !== 'compiled') return;
    const predicate = compilePredicate(ir);
    if (expectFastPath !== undefined) assert.equal(predicate.fastPath, expectFastPath, 'fast path availability');
    const ref = reference(template);
    const variableFree = template.constraints.map((c) => ir.checks.some((k) => k.kind === 'constraint' && k.names.includes(c.name)));
    let denied = 0;
    fc.assert(
      fc.property(bindingsArbitrary(template), (bindings) => {
        const expected = ref.solver.check(bindings);
        assert.notEqual(expected.status, 'unknown', `Z3 returned unknown: ${expected.reason}`);
        const actual = predicate(bindings);
        assert.equal(actual.allowed, expected.status === 'sat', `verdict for ${JSON.stringify(bindings)}: Z3 ${expected.status} [${expected.violated.join(', ')}], compiled ${JSON.stringify(actual)}`);
        if (actual.allowed) return;
        denied++;
        const falseByZ3 = template.constraints.filter((_, i) => variableFree[i] && ref.evaluate(i, bindings) === false).map((c) => c.name);
        assert.deepEqual([...actual.violated], falseByZ3, `violated constraints for ${JSON.stringify(bindings)}`);
        const named = new Set([...actual.violated, ...actual.unresolved]);
        for (const name of expected.violated) assert.ok(named.has(name), `the core names ${name}, compiled ${JSON.stringify(actual)} for ${JSON.stringify(bindings)}`);
        if (!actual.needsCore && actual.violated.length === 1) assert.deepEqual([...expected.violated], [...actual.violated]);
      }),
      { numRuns: RUNS, includeErrorInReport: true, ...(SEED !== undefined ? { seed: SEED } : {}) },
    );
    // The generators must reach both verdicts, or the agreement says little.
    assert.ok(denied > RUNS * 0.05 && denied < RUNS * 0.98, `denied ${denied} of ${RUNS}`);
  });
}

describe('compiled deliberation = per-message Z3 (differential, real Z3)', () => {
  const fastPath: Record<string, boolean> = { 'impact-gate': true, 'tier-quota': true, 'rate-window': true, 'time-window': true, delegation: true, 'ground-product': false, scopes: true, 'ite-chains': true };
  for (const template of [...policy.templates, ...TEST_TEMPLATES]) differential(template, fastPath[template.id]);

  it('a nonlinear template over existential variables falls back to the solver, saying why', () => {
    const ir = compileTemplateIR(session, perfectSquare);
    assert.equal(ir.mode, 'fallback');
    assert.match(ir.mode === 'fallback' ? ir.reason : '', /nonlinear/);
  });

  it('an elimination that does not finish within its wall-clock budget falls back, naming the budget', () => {
    const started = performance.now();
    const ir = compileTemplateIR(session, grantMask, { eliminationTimeoutMs: 1 });
    assert.equal(ir.mode, 'fallback');
    assert.match(ir.mode === 'fallback' ? ir.reason : '', /canceled|timeout/);
    assert.ok(performance.now() - started < 20_000, 'the budget bounds the compile');
  });
});
