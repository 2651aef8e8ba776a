import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clearCompileCache, compileDeliberationPolicy, loadCompiledPolicy } from '../../../src/solver/compile/compile-policy.ts';
import { explainCompiled, formatExplanation } from '../../../src/solver/compile/explain.ts';
import { DEFAULT_POLICY_URL, loadDeliberationPolicy, type DeliberationPolicy } from '../../../src/solver/policy.ts';
import { compileZ3Module } from '../../../src/solver/z3-module.ts';
import { perfectSquare } from './test-templates.ts';

const bundled = loadDeliberationPolicy(DEFAULT_POLICY_URL);

describe('compileDeliberationPolicy (real Z3)', () => {
  it('compiles every bundled template; the result survives a JSON round trip (it is posted to workers) and decides the same', async () => {
    clearCompileCache();
    const compiled = await compileDeliberationPolicy(bundled, { wasm: await compileZ3Module() });
    assert.deepEqual(compiled.templates.map((t) => [t.template, t.mode]), bundled.templates.map((t) => [t.id, 'compiled']));
    const local = loadCompiledPolicy(compiled);
    const posted = loadCompiledPolicy(JSON.parse(JSON.stringify(compiled)) as typeof compiled);
    assert.equal(posted.fallback.size, 0);
    const quota = (p: typeof local) => p.predicates.get('tier-quota');
    const cases = [
      { requested: '900', tier: '0', used0: '0', used1: '0', used2: '0' },
      { requested: '5000', tier: '0', used0: '0', used1: '0', used2: '0' },
      { requested: '15000', tier: '1', used0: '1000', used1: '0', used2: '90000' },
      { requested: '-1', tier: '3', used0: '0', used1: '0', used2: '0' },
    ];
    assert.deepEqual(cases.map((c) => quota(posted)?.(c)), cases.map((c) => quota(local)?.(c)));
    assert.deepEqual(cases.map((c) => quota(local)?.(c).allowed), [true, false, false, false]);
    assert.deepEqual(quota(local)?.(cases[3] as (typeof cases)[0]).violated, ['positive-request', 'known-tier']);
  });

  it('caches by template content: an unchanged template is not recompiled; an edited one is', async () => {
    const again = await compileDeliberationPolicy(bundled);
    const first = again.templates.find((t) => t.template === 'tier-quota');
    const cached = await compileDeliberationPolicy(bundled);
    assert.equal(cached.templates.find((t) => t.template === 'tier-quota'), first, 'the same IR object, from the cache');
    const edited: DeliberationPolicy = {
      ...bundled,
      templates: bundled.templates.map((t) => (t.id === 'rate-window' ? { ...t, parameters: { ...t.parameters, limit0: { sort: 'Int', value: 21 } } } : t)),
    };
    const recompiled = await compileDeliberationPolicy(edited);
    assert.equal(recompiled.templates.find((t) => t.template === 'tier-quota'), first);
    const rate = loadCompiledPolicy(recompiled).predicates.get('rate-window');
    assert.equal(rate?.({ count: '21', tier: '0' }).allowed, true, 'the edited limit applies');
  });

  it('explain: each template\'s mode, with the eliminated form and the reason for a fallback', async () => {
    const policy: DeliberationPolicy = { ...bundled, templates: [...bundled.templates, perfectSquare] };
    const lines = formatExplanation(policy.revision, await explainCompiled(policy)).join('\n');
    assert.match(lines, /^tier-quota: compiled .*qe/m);
    assert.match(lines, /∃ eliminated \[allocations-nonnegative, tier-caps, total-budget, usage-covered, request-covered\]/);
    assert.match(lines, /^ {2}critical-needs-approval: \(=> \(>= impact 0\.95\) \(>= approvals 1\)\)$/m);
    assert.match(lines, /^perfect-square: per message \(Z3 on the solver pool\) — .*nonlinear/m);
  });
});
