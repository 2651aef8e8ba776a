import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveOptions } from '../../src/config.ts';
import { PayloadCodec } from '../../src/intake/payload-codec.ts';
import { acceptMessage } from '../../src/intake/accept.ts';
import { scoreImpact } from '../../src/pipeline/impact.ts';
import { buildScenario, REJECTED_HASH, scenarioAgents, TENANTS } from '../../bench/scenario.ts';

test('the scenario is deterministic: same seed, same messages', () => {
  assert.deepEqual(buildScenario({ count: 500 }), buildScenario({ count: 500 }));
  assert.notDeepEqual(buildScenario({ count: 500, seed: 1 }).messages, buildScenario({ count: 500, seed: 2 }).messages);
});

test('60 agents in 4 tiers across 3 tenants; the messages use over 1,000 distinct sender→recipient pairs', () => {
  const agents = scenarioAgents();
  assert.equal(agents.length, 60);
  const tiers = new Map<string, number>();
  for (const a of agents) tiers.set(a.tier, (tiers.get(a.tier) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(tiers), { orchestrator: 3, primary: 9, secondary: 36, specialised: 12 });
  assert.deepEqual(new Set(agents.map((a) => a.tenantId)), new Set(TENANTS));
  const pairs = new Set(buildScenario().messages.map((m) => `${m.from}→${m.to}`));
  assert.ok(pairs.size >= 1000, `${pairs.size} distinct pairs`);
});

test('messages stay within a tenant, payloads are 300 B–4 KiB encoded, ~5% high impact, ~1% rejected', () => {
  const scenario = buildScenario({ count: 4096 });
  const options = resolveOptions({});
  const codec = new PayloadCodec();
  const tenantOf = new Map(scenario.agents.map((a) => [a.id, a.tenantId]));
  let high = 0;
  let rejected = 0;
  scenario.messages.forEach((input, i) => {
    assert.equal(tenantOf.get(input.from), input.tenantId);
    assert.equal(tenantOf.get(input.to), input.tenantId);
    assert.notEqual(input.from, input.to);
    const intake = acceptMessage(input, options.constitutionalHash, options.limits, 0);
    assert.ok(intake.ok, `message ${i} passes intake`);
    const bytes = codec.encode(intake.value.message.payload).length;
    assert.ok(bytes >= 250 && bytes <= 4400, `payload ${i} is ${bytes} bytes`);
    const kind = scenario.kinds[i];
    if (kind === 'high-impact') high++;
    if (kind === 'rejected') {
      rejected++;
      assert.equal(input.constitutionalHash, REJECTED_HASH);
    }
  });
  assert.ok(high / 4096 > 0.035 && high / 4096 < 0.065, `high-impact share ${high / 4096}`);
  assert.ok(rejected / 4096 > 0.004 && rejected / 4096 < 0.02, `rejected share ${rejected / 4096}`);
});

test('the default bus allows some high-impact transfers and denies others, with no errors', async () => {
  const { createAgentBus } = await import('../../src/create-bus.ts');
  const { registerScenario } = await import('../../bench/scenario.ts');
  const scenario = buildScenario({ count: 2000 });
  const bus = await createAgentBus({ mode: 'inline', log: () => {} });
  try {
    registerScenario(bus, scenario);
    const high = scenario.messages.filter((_, i) => scenario.kinds[i] === 'high-impact').slice(0, 40);
    const results = await Promise.all(high.map((m) => bus.send(m)));
    const codes = results.map((r) => r.code ?? r.status);
    assert.ok(codes.includes('delivered'), `some allowed: ${codes.join(' ')}`);
    assert.ok(codes.includes('E_DELIBERATION_DENIED'), `some denied: ${codes.join(' ')}`);
    assert.deepEqual(codes.filter((c) => c !== 'delivered' && c !== 'E_DELIBERATION_DENIED'), []);
  } finally {
    await bus.close();
  }
});

test('high-impact messages score as high impact with the impact scorer', () => {
  const scenario = buildScenario({ count: 2000 });
  const options = resolveOptions({});
  const index = scenario.kinds.indexOf('high-impact');
  const intake = acceptMessage(scenario.messages[index]!, options.constitutionalHash, options.limits, 0);
  assert.ok(intake.ok);
  assert.ok(scoreImpact(intake.value.message) >= 0.8);
  const ordinary = acceptMessage(scenario.messages[scenario.kinds.indexOf('ordinary')]!, options.constitutionalHash, options.limits, 0);
  assert.ok(ordinary.ok);
  assert.ok(scoreImpact(ordinary.value.message) < 0.8);
});
