import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdaptiveSpin } from '../../src/dispatch/adaptive-spin.ts';

test('steady short gaps raise the spin; sparse traffic drops it to the minimum', () => {
  const spin = new AdaptiveSpin(50, 5_000);
  assert.equal(spin.current(), 50, 'starts parking early');
  for (let i = 0; i < 30; i++) spin.observeGap(400);
  assert.ok(Math.abs(spin.current() - 800) < 50, `spins across 400 µs gaps: ${spin.current()}`);
  for (let i = 0; i < 30; i++) spin.observeGap(50_000);
  assert.equal(spin.current(), 50, 'parks when gaps are long');
  for (let i = 0; i < 30; i++) spin.observeGap(5);
  assert.equal(spin.current(), 50, 'never below the minimum');
});
