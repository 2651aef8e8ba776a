import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Admission } from '../../../src/dispatch/queue/admission.ts';
import { SlotTable } from '../../../src/dispatch/queue/in-flight.ts';

test('the slot table bounds occupancy and makes recycled slots recognisable', () => {
  const table = new SlotTable<string>(2);
  const a = table.acquire('a');
  const b = table.acquire('b');
  assert.equal(table.acquire('c'), -1);
  const generation = table.generation(a);
  assert.equal(table.get(a, generation), 'a');
  table.release(a);
  assert.equal(table.get(a, generation), undefined, 'old generation is stale');
  const c = table.acquire('c');
  assert.equal(c, a);
  assert.equal(table.get(c, table.generation(c)), 'c');
  assert.deepEqual([...table.occupied()].map(([, v]) => v).sort(), ['b', 'c']);
  assert.equal(table.inUse, 2);
  void b;
});

test('admission takes slots while they last and gives them back', () => {
  const admission = new Admission<string>(1);
  assert.equal(admission.hasSlot, true);
  const first = admission.tryAdmit('first');
  assert.equal(first, 0);
  assert.equal(admission.hasSlot, false);
  assert.equal(admission.tryAdmit('second'), -1);
  admission.release(first);
  assert.equal(admission.hasSlot, true);
  assert.equal(admission.tryAdmit('second'), 0);
  admission.release(0);
  admission.release(0);
  assert.equal(admission.table.inUse, 0, 'a second release of a free slot is a no-op');
});
