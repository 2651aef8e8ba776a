import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createAgentBus } from '../../src/index.ts';
import { instrumentBus, DEFAULT_LATENCY_BUCKETS } from '../../src/metrics/prometheus.ts';
import { histogramTotals, parsePrometheusText, sampleValue } from '../helpers/prometheus-text.ts';

test('instrumentBus: /metrics output of the default bus parses as Prometheus text and counts what was sent', async () => {
  const bus = await createAgentBus({ workers: 1, log: () => {} });
  try {
    const registry = new Registry();
    const metrics = instrumentBus(bus, { registry });
    assert.equal(metrics.registry, registry);
    bus.registerAgent({ id: 'planner', tenantId: 'acme', handler: () => {} });
    bus.registerAgent({ id: 'coder', tenantId: 'acme', handler: () => {} });
    bus.registerAgent({ id: 'treasurer', tenantId: 'acme', tier: 2, handler: () => {} });
    const base = { from: 'planner', to: 'coder', type: 'event', tenantId: 'acme' } as const;
    const results = [
      ...(await Promise.all(Array.from({ length: 20 }, () => metrics.send(base)))),
      await metrics.send({ ...base, constitutionalHash: 'nope' }),
      await metrics.send({ ...base, metadata: { blocked: 'true' } }),
      ...(await metrics.sendBatch([base, base, { ...base, to: 'ghost' }])),
      ...(await metrics.broadcast({ ...base })),
      await metrics.send({ from: 'treasurer', to: 'coder', type: 'command', tenantId: 'acme', payload: { action: 'transfer', amount: 95_000 } }),
    ];
    const text = await metrics.metrics();
    const families = parsePrometheusText(text);

    const expected = new Map<string, number>();
    for (const r of results) expected.set(`${r.status}|${r.code ?? 'none'}`, (expected.get(`${r.status}|${r.code ?? 'none'}`) ?? 0) + 1);
    assert.ok(expected.size >= 5, `a mix of outcomes: ${[...expected.keys()].join(', ')}`);
    for (const [key, count] of expected) {
      const [status, code] = key.split('|') as [string, string];
      assert.equal(sampleValue(families, 'agentbus_messages_total', { status, code }), count, key);
    }
    assert.equal(families.get('agentbus_messages_total')!.type, 'counter');
    const counted = families.get('agentbus_messages_total')!.samples.reduce((sum, m) => sum + m.value, 0);
    assert.equal(counted, results.length, 'every settled send counted once');

    const { count, sum, les } = histogramTotals(families, 'agentbus_send_latency_seconds');
    assert.equal(count, results.length, 'one observation per settled send');
    assert.ok(les.includes(0.005), 'a bucket at the 5 ms target');
    const expectedSum = results.reduce((s, r) => s + r.latencyUs / 1e6, 0);
    assert.ok(Math.abs(sum - expectedSum) < 1e-6, `the bus's own latencies are observed (${sum} vs ${expectedSum})`);

    assert.equal(sampleValue(families, 'agentbus_in_flight'), 0);
    assert.ok(sampleValue(families, 'agentbus_event_loop_delay_seconds', { quantile: '0.99' })! >= 0);
    const hits = sampleValue(families, 'agentbus_policy_cache_total', { result: 'hit' })!;
    const misses = sampleValue(families, 'agentbus_policy_cache_total', { result: 'miss' })!;
    const { policyCache } = bus.metrics();
    assert.deepEqual({ hits, misses }, { hits: policyCache!.hits, misses: policyCache!.misses });
    assert.ok(hits + misses > 0);
    assert.equal(sampleValue(families, 'agentbus_deliberation_total', { kind: 'decisions' }), bus.metrics().deliberation!.decisions);
    assert.ok(sampleValue(families, 'agentbus_deliberation_total', { kind: 'denied' })! >= 1, 'the transfer was denied by Z3');
    assert.equal(sampleValue(families, 'agentbus_workers', { state: 'configured' }), 1);
    assert.equal(sampleValue(families, 'agentbus_workers', { state: 'alive' }), 1);
    assert.ok(families.has('process_cpu_user_seconds_total'), "Node's default process metrics");
    assert.ok(families.has('nodejs_eventloop_lag_p99_seconds'));
    const health = (bus as { health?: () => { status: string } }).health;
    if (typeof health === 'function') assert.equal(sampleValue(families, 'agentbus_health', { status: health.call(bus).status }), 1);
    else assert.ok(!families.has('agentbus_health'), 'no health gauge without bus.health()');
  } finally {
    await bus.close();
  }
});

test('the default latency buckets are dense around the 5 ms target', () => {
  const aroundTarget = DEFAULT_LATENCY_BUCKETS.filter((b) => b >= 0.001 && b <= 0.01);
  assert.ok(aroundTarget.length >= 6, `${aroundTarget.length} buckets between 1 and 10 ms`);
  assert.ok(DEFAULT_LATENCY_BUCKETS.includes(0.005));
});

test('a malformed exposition is refused by the parser the tests use', () => {
  assert.throws(() => parsePrometheusText('agentbus_x{a="b} 1\n'));
  assert.throws(() => parsePrometheusText('# TYPE agentbus_x counter\nagentbus_x one\n'));
  assert.throws(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="0.1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'));
  assert.throws(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="+Inf",k="a"} 1\nh_sum{k="a"} 1\nh_count{k="a"} 2\n'));
  assert.throws(() => parsePrometheusText('# TYPE c counter\nc 1\n# TYPE d gauge\nd 1\nc 2\n'));
  assert.doesNotThrow(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="0.1",k="a"} 1\nh_bucket{le="+Inf",k="a"} 1\nh_sum{k="a"} 0.1\nh_count{k="a"} 1\n\n'));
});
