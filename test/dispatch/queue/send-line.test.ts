import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SendLine } from '../../../src/dispatch/queue/send-line.ts';

/** A line whose interval never fires during the test: sweeps are driven by hand. */
function line(capacity: number): { line: SendLine<string>; expired: string[] } {
  const expired: string[] = [];
  return { line: new SendLine<string>(capacity, (w) => expired.push(w), 60_000), expired };
}

test('the line is first come, first served, and bounded', () => {
  const { line: l } = line(3);
  assert.equal(l.push('a', 10), true);
  assert.equal(l.push('b', 20), true);
  assert.equal(l.push('c', 30), true);
  assert.equal(l.full, true);
  assert.equal(l.push('d', 40), false, 'refused when full');
  assert.equal(l.peek(), 'a');
  assert.equal(l.shift(), 'a');
  assert.equal(l.push('d', 40), true, 'room again, and the positions wrap');
  assert.deepEqual([l.shift(), l.shift(), l.shift(), l.shift()], ['b', 'c', 'd', undefined]);
  assert.equal(l.length, 0);
});

test('a sweep turns away every waiter past its deadline, wherever it stands, and keeps the order of the rest', () => {
  const { line: l, expired } = line(4);
  l.push('a', 100);
  l.push('b', 5); // arrived with less time left than the one before it
  l.push('c', 100);
  l.push('d', 7);
  l.sweep(10);
  assert.deepEqual(expired, ['b', 'd']);
  assert.equal(l.length, 2);
  // Out of positions (the holes) but not of room: pushing compacts, and the order holds.
  l.push('e', 200);
  l.push('f', 200);
  assert.equal(l.push('g', 200), false);
  assert.deepEqual([l.shift(), l.shift(), l.shift(), l.shift()], ['a', 'c', 'e', 'f']);
  l.push('h', 1);
  l.sweep(50);
  assert.deepEqual(expired, ['b', 'd', 'h']);
  assert.equal(l.peek(), undefined, 'the head skips the hole an expiry left');
});

test('clear hands back every waiter in order', () => {
  const { line: l, expired } = line(8);
  for (const w of ['a', 'b', 'c']) l.push(w, Number.POSITIVE_INFINITY);
  const cleared: string[] = [];
  l.clear((w) => cleared.push(w));
  assert.deepEqual(cleared, ['a', 'b', 'c']);
  assert.equal(l.length, 0);
  assert.deepEqual(expired, []);
});

test('waiters expire on their own by the interval', async () => {
  const expired: string[] = [];
  const l = new SendLine<string>(4, (w) => expired.push(w), 5);
  l.push('soon', performance.now() + 10);
  l.push('later', performance.now() + 10_000);
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(expired, ['soon']);
  assert.equal(l.shift(), 'later');
  // Emptied, the interval stopped; the next waiter starts it again.
  l.push('again', performance.now() + 10);
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(expired, ['soon', 'again']);
});
