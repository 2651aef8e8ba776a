import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistogram } from '../../src/metrics/histogram.ts';
import { BusMetrics } from '../../src/metrics/bus-metrics.ts';

test('percentiles of a known distribution, within HDR precision (3 digits)', () => {
  const h = new LatencyHistogram();
  for (let us = 1; us <= 10_000; us++) h.record(us);
  const s = h.summary();
  assert.equal(s.count, 10_000);
  for (const [got, want] of [[s.p50, 5_000], [s.p90, 9_000], [s.p99, 9_900], [s.p999, 9_990], [s.max, 10_000]] as const) {
    assert.ok(Math.abs(got - want) <= want * 0.001 + 1, `${got} vs ${want}`);
  }
  h.record(0.2);
  h.record(1e12);
  assert.equal(h.count, 10_002, 'out-of-range values are clamped, not dropped');
  h.reset();
  assert.equal(h.summary().count, 0);
});

test('bus metrics count by status and by code, and reset starts a new window', () => {
  const m = new BusMetrics();
  m.recordSettled('delivered', undefined, 10);
  m.recordSettled('rejected', 'E_TENANT', 20);
  m.recordSettled('rejected', 'E_TENANT', 30);
  m.recordSettled('expired', 'E_EXPIRED', 40);
  const snap = m.snapshot(3, { configured: 1, restarts: 0, mode: 'workers' });
  assert.deepEqual(snap.byStatus, { delivered: 1, accepted: 0, rejected: 2, failed: 0, expired: 1 });
  assert.deepEqual(snap.byCode, { E_TENANT: 2, E_EXPIRED: 1 });
  assert.equal(snap.settled, 4);
  assert.equal(snap.inFlight, 3);
  assert.equal(snap.latencyUs.count, 4);
  m.reset();
  assert.equal(m.snapshot(0, { configured: 1, restarts: 0, mode: 'workers' }).settled, 0);
});
