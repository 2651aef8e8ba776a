import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Admission, ADMISSION_CLOSED, ADMISSION_TIMED_OUT } from '../../../src/dispatch/queue/admission.ts';
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

test('a waiter gets the next freed slot; others time out; closing turns the rest away', async () => {
  const admission = new Admission<string>(1);
  const first = admission.tryAdmit('first');
  assert.equal(first, 0);
  assert.equal(admission.tryAdmit('second'), -1);
  const second = admission.waitForSlot('second', 1000);
  const third = admission.waitForSlot('third', 5);
  assert.equal(admission.tryAdmit('sneaky'), -1, 'newcomers do not overtake waiters');
  assert.equal(await third, ADMISSION_TIMED_OUT);
  admission.release(first);
  const slot = await second;
  assert.equal(slot, 0);
  assert.equal(admission.table.get(slot, admission.table.generation(slot)), 'second');
  const fourth = admission.waitForSlot('fourth', 1000);
  admission.rejectWaiters();
  assert.equal(await fourth, ADMISSION_CLOSED);
  assert.equal(admission.waiting, 0);
});

test('the waiting line is bounded too', async () => {
  const admission = new Admission<number>(2);
  admission.tryAdmit(1);
  admission.tryAdmit(2);
  const waits = [admission.waitForSlot(3, 50), admission.waitForSlot(4, 50)];
  assert.equal(await admission.waitForSlot(5, 50), ADMISSION_TIMED_OUT, 'refused at once when the line is full');
  assert.deepEqual(await Promise.all(waits), [ADMISSION_TIMED_OUT, ADMISSION_TIMED_OUT]);
});
