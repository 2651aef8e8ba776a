import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '../../src/errors.ts';
import { createMessage, MessageType, type JsonValue } from '../../src/model/message.ts';
import { createDeliberation, type Deliberation } from '../../src/solver/deliberation.ts';
import { DEFAULT_POLICY_URL, loadDeliberationPolicy, type TemplateSpec } from '../../src/solver/policy.ts';
import { formatStaticCheckReport } from '../../src/solver/static-checks.ts';
import { compileZ3Module } from '../../src/solver/z3-module.ts';

// Real Piscina pools with real Z3 workers. Two pools (one per describe), one thread each, to keep the number
// of live Z3 instances small. Budgets are generous where a test is not about timeouts: the machine is shared.

const noon = Date.UTC(2026, 10, 22, 12, 0, 0);
const context = { now: noon, senderVolume: 3, senderTier: 1 };

function message(payload: JsonValue) {
  return createMessage({ from: 'agent-a', to: 'agent-b', type: MessageType.COMMAND, tenantId: 't1', payload });
}

describe('deliberation on a solver pool', () => {
  let deliberation: Deliberation;

  before(async () => {
    deliberation = createDeliberation({ wasm: await compileZ3Module(), timeoutMs: 10_000 });
    const report = await deliberation.start();
    assert.equal(report.ok, true, formatStaticCheckReport(report));
  });

  after(() => deliberation.close());

  it('allows a high-impact message that satisfies every applicable template', async () => {
    const decision = await deliberation.decide(message({ tool: 'transfer', amount: 500 }), 0.85, context);
    assert.equal(decision.allowed, true, decision.reasons.join('; '));
    assert.deepEqual(decision.templates, ['impact-gate', 'tier-quota', 'rate-window', 'time-window']);
  });

  it('denies with E_DELIBERATION_DENIED and names the violated constraint', async () => {
    const decision = await deliberation.decide(message({ tool: 'transfer', amount: 50_000 }), 0.85, context);
    assert.equal(decision.allowed, false);
    assert.equal(decision.code, ErrorCode.DELIBERATION_DENIED);
    assert.equal(decision.template, 'tier-quota');
    assert.match(decision.reasons.join('; '), /tier-quota: violated .*tier-caps/);
  });

  it('denies a message missing a required binding, saying which', async () => {
    const decision = await deliberation.decide(message({ tool: 'transfer', amount: 5 }), 0.85, { now: noon });
    assert.equal(decision.code, ErrorCode.DELIBERATION_DENIED);
    assert.equal(decision.template, 'rate-window');
    assert.match(decision.reasons[0] ?? '', /missing context\.senderVolume/);
  });

  it('checks delegation scope only for delegations', async () => {
    const ok = await deliberation.decide(message({ delegation: { scope: '0x3' } }), 0.85, { ...context, senderScope: '0x7' });
    assert.equal(ok.allowed, true, ok.reasons.join('; '));
    const widened = await deliberation.decide(message({ delegation: { scope: '0x8' } }), 0.85, { ...context, senderScope: '0x7' });
    assert.equal(widened.allowed, false);
    assert.match(widened.reasons.join('; '), /delegation: violated scope-subset/);
  });

  it('serves repeated decisions from the cache without asking the solver (denials too)', async () => {
    const m = message({ tool: 'transfer', amount: 777 });
    const first = await deliberation.decide(m, 0.85, context);
    assert.equal(first.cached, false);
    const tasks = deliberation.stats().solverTasks;
    const second = await deliberation.decide(m, 0.85, context);
    assert.equal(second.cached, true);
    assert.equal(second.allowed, first.allowed);
    const denied = message({ tool: 'transfer', amount: 99_999 });
    await deliberation.decide(denied, 0.85, context);
    const deniedAgain = await deliberation.decide(denied, 0.85, context);
    assert.equal(deniedAgain.cached, true);
    assert.equal(deniedAgain.allowed, false);
    assert.equal(deliberation.stats().solverTasks, tasks + 1, 'only the first denial reached the solver');
  });

  it('batches the decisions of one turn into shared solver tasks, and keeps the main event loop turning meanwhile', async () => {
    let ticks = 0;
    let running = true;
    const tick = (): void => {
      ticks++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const before = deliberation.stats().solverTasks;
    // Distinct amounts: every decision misses the cache and queues behind the single solver thread.
    const decisions = await Promise.all(
      Array.from({ length: 48 }, (_, i) => deliberation.decide(message({ tool: 'transfer', amount: 100 + i }), 0.85, context)),
    );
    running = false;
    assert.ok(decisions.every((d) => d.allowed), decisions.find((d) => !d.allowed)?.reasons.join('; '));
    // Decided in one turn: they share pool tasks (≤ 32 checks each), never one task per message.
    const tasks = deliberation.stats().solverTasks - before;
    assert.ok(tasks >= 1 && tasks < 48, `${tasks} solver tasks for 48 decisions`);
    // Each task is a worker round trip; the main thread keeps turning in between.
    assert.ok(ticks >= tasks, `only ${ticks} event-loop turns during ${tasks} solver tasks`);
  });
});

/**
 * Real runaway checks. Bounded: x³ + y³ = z³ has no positive solution, which Z3's non-linear arithmetic
 * cannot prove, so a resource budget runs out (unknown). Unbounded: 13 pigeons in 12 holes, as distinct
 * integers in [0, 11] — decidable, so Z3 never gives up with unknown (on a fast machine the cubes could end
 * in "incomplete (theory arithmetic)" before the wall clock), and exponential for its case splits, so it
 * runs until the wall-clock abort. Both are satisfiable when n ≤ 0 (so the static check passes), and run
 * away once n is bound above 0.
 */
const PIGEONS = Array.from({ length: 13 }, (_, i) => `p${i}`);
const pigeonhole = `(and (distinct ${PIGEONS.join(' ')}) ${PIGEONS.map((p) => `(>= ${p} 0) (<= ${p} 11)`).join(' ')})`;

function runaway(id: string, trigger: string, rlimit: number): TemplateSpec {
  const unbounded = rlimit === 0;
  return {
    id,
    description: 'a check Z3 cannot finish',
    appliesWhen: { present: [`payload.${trigger}`] },
    bindings: { n: { sort: 'Int', from: `payload.${trigger}` } },
    variables: unbounded ? Object.fromEntries(PIGEONS.map((p) => [p, 'Int' as const])) : { x: 'Int', y: 'Int', z: 'Int' },
    constraints: [{
      name: unbounded ? 'pigeonhole' : 'cubes',
      assert: unbounded ? `(or (<= n 0) ${pigeonhole})` : '(or (<= n 0) (and (> x n) (> y 0) (> z 0) (= (+ (* x x x) (* y y y)) (* z z z))))',
    }],
    rlimit,
  };
}

describe('deliberation failures fail closed', () => {
  let deliberation: Deliberation;
  const base = loadDeliberationPolicy(DEFAULT_POLICY_URL);
  const policy = { ...base, templates: [...base.templates, runaway('bounded-runaway', 'cubesBounded', 5_000), runaway('runaway', 'cubes', 0)] };

  before(async () => {
    deliberation = createDeliberation({
      policy,
      wasm: await compileZ3Module(),
      timeoutMs: 300,
      allowFaultInjection: true,
      breaker: { volumeThreshold: 4, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 },
    });
    assert.equal((await deliberation.start()).ok, true);
    await deliberation.warm();
  });

  after(() => deliberation.close());

  it('an injected solver error denies with E_DELIBERATION_ERROR and is not cached', async () => {
    deliberation.injectFault('throw');
    const m = message({ tool: 'transfer', amount: 321 });
    const decision = await deliberation.decide(m, 0.85, context);
    assert.equal(decision.allowed, false);
    assert.equal(decision.code, ErrorCode.DELIBERATION_ERROR);
    assert.match(decision.reasons[0] ?? '', /solver error: injected solver fault/);
    const retried = await deliberation.decide(m, 0.85, context);
    assert.equal(retried.allowed, true, 'the failure was not cached');
  });

  it('a check that exhausts its Z3 resource budget (unknown) denies with E_DELIBERATION_ERROR', async () => {
    const decision = await deliberation.decide(message({ cubesBounded: 10 }), 0.85, context);
    assert.equal(decision.code, ErrorCode.DELIBERATION_ERROR);
    assert.match(decision.reasons[0] ?? '', /bounded-runaway: solver returned unknown/);
  });

  it('a runaway check is aborted on the wall clock, denied, and the recycled worker serves the next check', async () => {
    const before = await deliberation.warm();
    const hung = await deliberation.decide(message({ cubes: 10 }), 0.85, context);
    assert.equal(hung.code, ErrorCode.DELIBERATION_ERROR);
    assert.match(hung.reasons[0] ?? '', /timed out after 300 ms/);
    assert.equal(deliberation.stats().timeouts, 1);
    const after = await deliberation.warm();
    assert.notEqual(after, before, 'a new worker thread replaced the aborted one');
    const next = await deliberation.decide(message({ tool: 'transfer', amount: 323 }), 0.85, context);
    assert.equal(next.allowed, true, next.reasons.join('; '));
  });

  it('an injected hang is aborted the same way', async () => {
    deliberation.injectFault('hang');
    const hung = await deliberation.decide(message({ tool: 'transfer', amount: 324 }), 0.85, context);
    assert.match(hung.reasons[0] ?? '', /timed out after 300 ms/);
    await deliberation.warm();
  });

  it('repeated failures open the circuit breaker, which then denies without asking the solver', async () => {
    for (let i = 0; i < 4; i++) {
      deliberation.injectFault('throw');
      const failed = await deliberation.decide(message({ tool: 'transfer', amount: 400 + i }), 0.85, context);
      assert.equal(failed.code, ErrorCode.DELIBERATION_ERROR);
    }
    assert.equal(deliberation.stats().breaker, 'open');
    const tasks = deliberation.stats().solverTasks;
    const refused = await deliberation.decide(message({ tool: 'transfer', amount: 500 }), 0.85, context);
    assert.equal(refused.code, ErrorCode.DELIBERATION_ERROR);
    assert.match(refused.reasons[0] ?? '', /circuit breaker is open/);
    assert.equal(deliberation.stats().errors >= 6, true);
    assert.equal(deliberation.stats().solverTasks, tasks + 1, 'counted as attempted, but the breaker short-circuits it');
  });

  it('a policy failing its static checks leaves the stage closed: every decision is an error', async () => {
    const broken = createDeliberation({ policy: { ...base, routing: { threshold: 0.8, exemptTypes: ['command'] } }, wasm: await compileZ3Module() });
    try {
      const report = await broken.start();
      assert.equal(report.ok, false);
      assert.match(formatStaticCheckReport(report), /FAIL no bypass.*type=command/);
      const decision = await broken.decide(message({ tool: 'transfer', amount: 5 }), 0.9, context);
      assert.equal(decision.code, ErrorCode.DELIBERATION_ERROR);
      assert.match(decision.reasons[0] ?? '', /static checks failed/);
    } finally {
      await broken.close();
    }
  });

  it('a template Z3 cannot parse fails the start report instead of throwing', async () => {
    const bad = { ...base, templates: [...base.templates, { id: 'typo', description: '', bindings: {}, constraints: [{ name: 'c', assert: '(<= x 1)' }] }] };
    const broken = createDeliberation({ policy: bad, wasm: await compileZ3Module() });
    try {
      const report = await broken.start();
      assert.equal(report.ok, false);
      assert.match(formatStaticCheckReport(report), /FAIL load templates into Z3 — .*template typo/);
    } finally {
      await broken.close();
    }
  });

  it('denies everything after close', async () => {
    const scratch = createDeliberation({ wasm: await compileZ3Module() });
    const decision = await scratch.decide(message({}), 0.9, context);
    assert.equal(decision.code, ErrorCode.DELIBERATION_ERROR, 'not started');
    await scratch.close();
    assert.equal((await scratch.decide(message({}), 0.9, context)).code, ErrorCode.DELIBERATION_ERROR);
  });
});

describe('a denial named in the background', () => {
  it('names it with its own budget: a decision budget too short for the solver neither loses the core nor recycles the thread or opens the breaker', async () => {
    const deliberation = createDeliberation({
      wasm: await compileZ3Module(),
      timeoutMs: 1,
      breaker: { volumeThreshold: 1, errorThresholdPercentage: 1, resetTimeoutMs: 60_000 },
    });
    try {
      assert.equal((await deliberation.start()).ok, true);
      const thread = await deliberation.warm();
      const nameOne = (): string => {
        const outcome = deliberation.tryDecide(message({ tool: 'transfer', amount: 50_000 }), 0.85, context);
        assert.equal(outcome.kind, 'denied-unnamed');
        return deliberation.nameDenial(outcome as Extract<typeof outcome, { kind: 'denied-unnamed' }>).reasons[0] ?? '';
      };
      const wholeGroup = nameOne();
      assert.match(wholeGroup, /^tier-quota: violated allocations-nonnegative, tier-caps, /);
      let named = wholeGroup;
      for (let waited = 0; named === wholeGroup && waited < 10_000; waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        named = nameOne();
      }
      assert.match(named, /^tier-quota: violated .*tier-caps/);
      assert.ok(named.length < wholeGroup.length, `the core names fewer constraints than the group: ${named}`);
      const stats = deliberation.stats();
      assert.equal(stats.coreFailures, 0);
      assert.equal(stats.breaker, 'closed');
      assert.equal(await deliberation.warm(), thread, 'the solver thread was not recycled');
    } finally {
      await deliberation.close();
    }
  });
});
