import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LANE_WEIGHTS, PriorityLanes, SlotQueue } from '../../../src/dispatch/queue/lanes.ts';

test('a slot queue is FIFO, takes items back at the front, and grows', () => {
  const q = new SlotQueue(2);
  for (let i = 0; i < 10; i++) q.push(i);
  assert.equal(q.shift(), 0);
  q.pushFront(99);
  assert.deepEqual(Array.from({ length: 10 }, () => q.shift()), [99, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(q.shift(), -1);
});

test('lanes drain by weight: under a backlog every priority moves, higher ones more', () => {
  const lanes = new PriorityLanes();
  for (let i = 0; i < 1000; i++) for (const p of [0, 1, 2, 3] as const) lanes.push(p * 10_000 + i, p);
  const taken = [0, 0, 0, 0];
  for (let i = 0; i < 150; i++) taken[Math.floor(lanes.next() / 10_000)]!++;
  const round = LANE_WEIGHTS[0] + LANE_WEIGHTS[1] + LANE_WEIGHTS[2] + LANE_WEIGHTS[3];
  assert.deepEqual(taken, [0, 1, 2, 3].map((p) => (150 / round) * LANE_WEIGHTS[p as 0]));
  assert.ok(taken[0]! > 0, 'LOW is not starved');
});

test('lanes keep FIFO order within a priority and return -1 when empty', () => {
  const lanes = new PriorityLanes();
  lanes.push(1, 0);
  lanes.push(2, 0);
  lanes.push(3, 3);
  lanes.putBack(0, 0);
  assert.deepEqual([lanes.next(), lanes.next(), lanes.next(), lanes.next(), lanes.next()], [3, 0, 1, 2, -1]);
  assert.equal(lanes.length, 0);
});
