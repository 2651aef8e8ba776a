import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DrainBudget, MAX_DRAIN_BUDGET, MIN_DRAIN_BUDGET } from '../../src/dispatch/drain-budget.ts';

it('stays at its minimum while no drain is told to grow', () => {
  const budget = new DrainBudget();
  for (let i = 0; i < 10; i++) budget.update(false);
  assert.equal(budget.current, MIN_DRAIN_BUDGET);
});

it('doubles while it is told to grow (verdicts left behind, every slot taken), up to its maximum, and halves back after', () => {
  const budget = new DrainBudget();
  budget.update(true);
  assert.equal(budget.current, 2 * MIN_DRAIN_BUDGET);
  budget.update(true);
  assert.equal(budget.current, 4 * MIN_DRAIN_BUDGET);
  for (let i = 0; i < 32; i++) budget.update(true);
  assert.equal(budget.current, MAX_DRAIN_BUDGET);
  budget.update(false);
  assert.equal(budget.current, MAX_DRAIN_BUDGET / 2);
  for (let i = 0; i < 32; i++) budget.update(false);
  assert.equal(budget.current, MIN_DRAIN_BUDGET);
});
