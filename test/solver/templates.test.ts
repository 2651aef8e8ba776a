import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMessage, MessageType } from '../../src/model/message.ts';
import { resolveTemplate } from '../../src/solver/bindings.ts';
import { parseDeliberationPolicy, PolicyError, type DeliberationPolicy, type TemplateSpec } from '../../src/solver/policy.ts';
import { formatStaticCheckReport, runStaticChecks } from '../../src/solver/static-checks.ts';
import { TemplateSolver, type NumeralBindings } from '../../src/solver/template-solver.ts';
import { Z3Session } from '../../src/solver/z3-session.ts';
import { useDefaultTemplateSolvers } from './solver-fixture.ts';

const fixture = useDefaultTemplateSolvers();
const { policy, solvers } = fixture;

function template(id: string): TemplateSpec {
  const found = policy.templates.find((t) => t.id === id);
  assert.ok(found, `template ${id} in policies/deliberation.json`);
  return found;
}

function check(id: string, bindings: NumeralBindings) {
  return (solvers.get(id) as TemplateSolver).check(bindings);
}


describe('templates of policies/deliberation.json (real Z3)', () => {
  it('tier-quota: a request that fits some allocation is sat; one beyond the tier cap names the cap', () => {
    const none = { used0: '0', used1: '0', used2: '0' };
    assert.equal(check('tier-quota', { requested: '900', tier: '0', ...none }).status, 'sat');
    const over = check('tier-quota', { requested: '5000', tier: '0', ...none });
    assert.equal(over.status, 'unsat');
    assert.ok(over.violated.includes('tier-caps'), `violated: ${over.violated.join(', ')}`);
    assert.ok(over.violated.includes('request-covered'));
  });

  it('tier-quota: the budget is shared, so other tiers\' usage can make a request infeasible (existential over allocations)', () => {
    assert.equal(check('tier-quota', { requested: '15000', tier: '1', used0: '0', used1: '0', used2: '80000' }).status, 'sat');
    const crowded = check('tier-quota', { requested: '15000', tier: '1', used0: '1000', used1: '0', used2: '90000' });
    assert.equal(crowded.status, 'unsat');
    assert.ok(crowded.violated.includes('total-budget'), `violated: ${crowded.violated.join(', ')}`);
  });

  it('rate-window: within the tier limit is sat, beyond it names rate-limit', () => {
    assert.equal(check('rate-window', { count: '20', tier: '0' }).status, 'sat');
    assert.deepEqual(check('rate-window', { count: '21', tier: '0' }).violated, ['rate-limit']);
    assert.equal(check('rate-window', { count: '21', tier: '1' }).status, 'sat');
  });

  it('time-window: expiry and business hours', () => {
    assert.equal(check('time-window', { now: '1000', hour: '12', expires: '2000', tier: '0' }).status, 'sat');
    assert.deepEqual(check('time-window', { now: '3000', hour: '12', expires: '2000', tier: '0' }).violated, ['not-expired']);
    assert.deepEqual(check('time-window', { now: '1000', hour: '23', expires: '0', tier: '0' }).violated, ['business-hours']);
    assert.equal(check('time-window', { now: '1000', hour: '23', expires: '0', tier: '2' }).status, 'sat');
  });

  it('delegation: child scope must be a subset of the parent scope (64-bit masks), depth bounded', () => {
    const high = (1n << 63n).toString();
    assert.equal(check('delegation', { depth: '1', childScope: '5', parentScope: '7' }).status, 'sat');
    assert.deepEqual(check('delegation', { depth: '1', childScope: '8', parentScope: '7' }).violated, ['scope-subset']);
    assert.deepEqual(check('delegation', { depth: '1', childScope: high, parentScope: '7' }).violated, ['scope-subset'], 'bit 63 is seen');
    assert.deepEqual(check('delegation', { depth: '3', childScope: '1', parentScope: '1' }).violated, ['max-depth']);
  });

  it('impact-gate: critical impact needs an approval; high impact refuses deep delegation', () => {
    assert.equal(check('impact-gate', { impact: '0.9', approvals: '0', depth: '1' }).status, 'sat');
    assert.deepEqual(check('impact-gate', { impact: '0.95', approvals: '0', depth: '0' }).violated, ['critical-needs-approval']);
    assert.equal(check('impact-gate', { impact: '0.95', approvals: '1', depth: '0' }).status, 'sat');
    assert.deepEqual(check('impact-gate', { impact: '0.8', approvals: '0', depth: '2' }).violated, ['high-impact-delegation-depth']);
  });

  it('a persistent solver gives the same answers after many push/pop cycles', () => {
    for (let i = 0; i < 200; i++) {
      const requested = 500 + i * 10;
      const expected = requested <= 1000 ? 'sat' : 'unsat';
      assert.equal(check('tier-quota', { requested: String(requested), tier: '0', used0: '0', used1: '0', used2: '0' }).status, expected);
    }
  });
});

describe('bindings (fail closed)', () => {
  const now = Date.UTC(2026, 10, 22, 12, 0, 0);
  it('a missing required binding denies with the binding and its source named', () => {
    const m = createMessage({ from: 'a', to: 'b', type: MessageType.COMMAND, tenantId: 't', payload: { amount: 5 } });
    const resolved = resolveTemplate(template('rate-window'), { message: m, impact: 0.9, context: {}, now });
    assert.equal(resolved.kind, 'invalid');
    assert.match(resolved.kind === 'invalid' ? resolved.reasons.join() : '', /rate-window: missing context\.senderVolume \(binding count\)/);
  });

  it('a template whose appliesWhen does not match is skipped, not denied', () => {
    const m = createMessage({ from: 'a', to: 'b', type: MessageType.COMMAND, tenantId: 't', payload: { tool: 'delete' } });
    assert.equal(resolveTemplate(template('tier-quota'), { message: m, impact: 0.9, context: {}, now }).kind, 'skip');
  });

  it('a value of the wrong sort is refused before Z3 sees it', () => {
    const m = createMessage({ from: 'a', to: 'b', type: MessageType.COMMAND, tenantId: 't', payload: { amount: 12.5 } });
    const resolved = resolveTemplate(template('tier-quota'), { message: m, impact: 0.9, context: {}, now });
    assert.equal(resolved.kind, 'invalid');
  });

  it('impact is floored to 1/1000 so no score crosses a threshold by rounding', () => {
    const m = createMessage({ from: 'a', to: 'b', type: MessageType.COMMAND, tenantId: 't', payload: {} });
    const resolved = resolveTemplate(template('impact-gate'), { message: m, impact: 0.94999, context: {}, now });
    assert.equal(resolved.kind === 'bound' ? resolved.bindings.impact : undefined, '0.949');
    const carried = resolveTemplate(template('impact-gate'), { message: m, impact: Math.fround(0.95), context: {}, now });
    assert.equal(carried.kind === 'bound' ? carried.bindings.impact : undefined, '0.95', 'a float32-carried 0.95 is still 0.95');
  });
});

describe('static checks', () => {
  function staticReport(p: DeliberationPolicy, routingThreshold?: number) {
    const scratch = new Z3Session(fixture.z3);
    const built = p.templates.map((t) => new TemplateSolver(scratch, t, 0));
    try {
      return runStaticChecks(scratch, built, p, { routingThreshold });
    } finally {
      built.forEach((s) => s.dispose());
      scratch.dispose();
    }
  }

  it('pass for the shipped policy', () => {
    const report = staticReport(policy);
    assert.equal(report.ok, true, formatStaticCheckReport(report));
  });

  it('catch a message type exempted from deliberation, with a witness', () => {
    const broken = parseDeliberationPolicy({ ...policy, routing: { threshold: 0.8, exemptTypes: ['governance_request'] } });
    const report = staticReport(broken);
    assert.equal(report.ok, false);
    const bypass = report.results.find((r) => r.name.startsWith('no bypass'));
    assert.equal(bypass?.witness?.type, 'governance_request');
    assert.match(formatStaticCheckReport(report), /FAIL no bypass/);
  });

  it('catch a bus routing threshold above the policy threshold', () => {
    const report = staticReport(policy, 0.85);
    assert.equal(report.ok, false);
    const witness = report.results.find((r) => r.name.startsWith('no bypass'))?.witness;
    assert.ok(witness !== undefined);
    // The witness must name an impact, a number in the gap the two thresholds leave ('?' marks Z3's decimal approximation).
    assert.equal(typeof witness.impact, 'string', `witness: ${JSON.stringify(witness)}`);
    const impact = Number(witness.impact!.replace(/\?$/, ''));
    assert.ok(impact >= 0.8 && impact < 0.85, `witness impact ${witness.impact}`);
  });

  it('catch templates that all apply only conditionally (deliberation would decide nothing)', () => {
    const conditional = parseDeliberationPolicy({
      ...policy,
      templates: policy.templates.filter((t) => t.appliesWhen !== undefined),
    });
    const report = staticReport(conditional);
    assert.equal(report.ok, false);
    const witness = report.results.find((r) => r.name.startsWith('no bypass'))?.witness;
    assert.equal(witness?.['payload.amount'], 'absent');
    assert.equal(witness?.['payload.delegation'], 'absent');
  });

  it('catch an unsatisfiable template', () => {
    const impossible = parseDeliberationPolicy({
      ...policy,
      templates: [...policy.templates, {
        id: 'impossible', description: 'caps below minimum',
        bindings: { x: { sort: 'Int', from: 'payload.x' } },
        constraints: [{ name: 'low', assert: '(< x 0)' }, { name: 'high', assert: '(> x 10)' }],
      }],
    });
    const report = staticReport(impossible);
    assert.equal(report.ok, false);
    assert.equal(report.results.find((r) => r.name === 'satisfiable: impossible')?.ok, false);
  });
});

describe('policy validation', () => {
  it('rejects malformed templates with a clear message', () => {
    assert.throws(() => parseDeliberationPolicy({ routing: { threshold: 2 }, templates: [] }), PolicyError);
    assert.throws(
      () => parseDeliberationPolicy({ routing: { threshold: 0.8 }, templates: [{ id: 't', description: '', bindings: { x: { sort: 'Int', from: 'nowhere.x' } }, constraints: [{ name: 'c', assert: 'true' }] }] }),
      /unknown source "nowhere.x"/,
    );
  });

  it('reports SMT-LIB errors in a template when it is built', () => {
    const bad: TemplateSpec = { id: 'bad', description: '', bindings: { x: { sort: 'Int', from: 'payload.x' } }, constraints: [{ name: 'c', assert: '(<= x undefined_symbol)' }] };
    const scratch = new Z3Session(fixture.z3);
    try {
      assert.throws(() => new TemplateSolver(scratch, bad, 0), /template bad/);
    } finally {
      scratch.dispose();
    }
  });
});
