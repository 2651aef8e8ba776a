import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenLoopSchedule, OpenLoopSender } from '../../bench/load/open-loop-schedule.ts';
import type { SendOutcome } from '../../bench/peers/peer.ts';

interface Recorded {
  latencyMs: number;
  intendedAtMs: number;
  outcome: SendOutcome;
  sent: boolean;
}

/** A fake clock and a peer whose sends settle only when the test says so. */
function harness(rate: number, startMs: number, stopAtMs: number, limits = { maxOutstanding: 1000, maxPerPump: 1000 }) {
  let now = 0;
  const pending: ((outcome: SendOutcome) => void)[] = [];
  const sentIndexes: number[] = [];
  const recorded: Recorded[] = [];
  const sender = new OpenLoopSender(new OpenLoopSchedule(rate, startMs, stopAtMs), limits, {
    clock: () => now,
    send: (index) => {
      sentIndexes.push(index);
      return new Promise<SendOutcome>((resolve) => pending.push(resolve));
    },
    record: (latencyMs, intendedAtMs, outcome, sent) => recorded.push({ latencyMs, intendedAtMs, outcome, sent }),
  });
  return {
    sender,
    sentIndexes,
    recorded,
    setNow: (ms: number) => { now = ms; },
    settleAll: async () => {
      for (const resolve of pending.splice(0)) resolve('delivered');
      await new Promise((r) => setImmediate(r));
    },
  };
}

test('the timetable: message i is intended at start + i / rate', () => {
  const schedule = new OpenLoopSchedule(10_000, 100, 200);
  assert.equal(schedule.total, 1000);
  assert.equal(schedule.intendedAt(0), 100);
  assert.equal(schedule.intendedAt(10), 101);
  assert.equal(schedule.dueBy(99.99), 0);
  assert.equal(schedule.dueBy(100), 1);
  assert.equal(schedule.dueBy(101), 11);
  assert.equal(schedule.dueBy(10_000), 1000);
});

test('a message sent late is charged from its intended time, not from when it went', async () => {
  const h = harness(1000, 0, 100); // one message per ms
  h.setNow(10); // the sender woke up 10 ms late: messages 0..10 are due
  assert.equal(h.sender.pump(), 11);
  h.setNow(12);
  await h.settleAll();
  assert.equal(h.recorded.length, 11);
  // message 0 was meant at 0 ms and settled at 12 ms; message 10 was meant at 10 ms
  assert.equal(h.recorded[0]!.latencyMs, 12);
  assert.equal(h.recorded[10]!.latencyMs, 2);
  assert.ok(h.recorded.every((r) => r.sent && r.outcome === 'delivered'));
});

test('the in-flight cap delays sending, and the delay counts as latency', async () => {
  const h = harness(1000, 0, 100, { maxOutstanding: 2, maxPerPump: 1000 });
  h.setNow(5);
  assert.equal(h.sender.pump(), 2); // 6 due, only 2 may be outstanding
  h.setNow(6);
  await h.settleAll();
  assert.equal(h.sender.pump(), 2); // messages 2 and 3, meant at 2 and 3 ms
  h.setNow(20);
  await h.settleAll();
  assert.deepEqual(h.recorded.map((r) => r.latencyMs), [6, 5, 18, 17]);
});

test('messages due before the stop and never sent are recorded with their lateness at the stop', () => {
  const h = harness(1000, 0, 10, { maxOutstanding: 3, maxPerPump: 1000 });
  h.setNow(10);
  assert.equal(h.sender.pump(), 3);
  const unsent = h.sender.recordUnsent();
  assert.equal(unsent, 7);
  const lost = h.recorded.filter((r) => !r.sent);
  assert.deepEqual(lost.map((r) => r.latencyMs), [7, 6, 5, 4, 3, 2, 1]);
  assert.ok(h.sender.done);
});

test('maxPerPump bounds one pump so the event loop keeps turning', () => {
  const h = harness(1000, 0, 1000, { maxOutstanding: 10_000, maxPerPump: 50 });
  h.setNow(500);
  assert.equal(h.sender.pump(), 50);
  assert.equal(h.sender.pump(), 50);
  assert.equal(h.sender.sent, 100);
});

test('idle() resolves once everything outstanding has settled', async () => {
  const h = harness(1000, 0, 100);
  h.setNow(3);
  h.sender.pump();
  let idle = false;
  void h.sender.idle().then(() => { idle = true; });
  await new Promise((r) => setImmediate(r));
  assert.equal(idle, false);
  await h.settleAll();
  assert.equal(idle, true);
  assert.equal(h.sender.outstanding, 0);
});

test('the sender sleeps until the next message is due, not a moment longer, and re-checks while the cap holds it back', async () => {
  const h = harness(1000, 0, 100, { maxOutstanding: 2, maxPerPump: 1000 }); // one message per ms
  h.setNow(0.25);
  assert.equal(h.sender.pump(), 1);
  assert.equal(h.sender.waitMs(0.25), 0.75, 'message 1 is due at 1 ms');
  h.setNow(3);
  assert.equal(h.sender.pump(), 1, 'the cap of 2 outstanding holds the rest back');
  assert.equal(h.sender.waitMs(3), 1, 'capped: re-check in a millisecond');
  await h.settleAll();
  assert.equal(h.sender.waitMs(3), 0, 'messages 2 and 3 are overdue and may go now');
  h.setNow(99.5);
  while (h.sender.pump() > 0) await h.settleAll();
  assert.equal(h.sender.done, true);
  assert.equal(h.sender.waitMs(99.5), 0.5, 'everything sent: sleep until the stop time');
});
