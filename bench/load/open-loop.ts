import { performance } from 'node:perf_hooks';
import { LatencyHistogram } from '../../src/metrics/histogram.ts';
import type { MessageInput } from '../../src/model/message.ts';
import type { Peer, PeerName } from '../peers/peer.ts';
import { OutcomeCounts } from './outcome-counts.ts';
import { OpenLoopSchedule, OpenLoopSender } from './open-loop-schedule.ts';
import type { LoadResult } from './result.ts';
import { latencyFields, MeasuredWindow } from './window.ts';

export interface OpenLoopOptions {
  ratePerS: number;
  warmupS: number;
  durationS: number;
  /** Beyond this many outstanding, the sender waits; the wait counts as latency. */
  maxOutstanding: number;
  /** How long to wait for stragglers after the window before counting them as lost. */
  drainTimeoutS: number;
  onProgress?: (elapsedS: number, settled: number) => void;
}

/** Below this share of the offered rate settled, a peer is reported as overloaded. */
const KEEPING_UP = 0.95;

/**
 * Drives `sender` until `stopAtMs`: sleeps on a timer until the next message is due, then sends every message
 * due by then (`onTurn` runs first on each turn, with the time). A timer wakes up to about a millisecond late,
 * and that lateness counts in every latency (the `noop` peer's row shows it); a sender that re-checked the
 * timetable on every turn of the event loop would be punctual, but it spins a core, and on a 2-core machine
 * that core is the one the measured system's other threads (GC, the solver, the validation worker) need.
 */
export function paceOpenLoop(sender: OpenLoopSender, stopAtMs: number, onTurn: (nowMs: number) => void = () => {}): Promise<void> {
  return new Promise((resolve) => {
    const turn = (): void => {
      const now = performance.now();
      onTurn(now);
      sender.pump();
      if (now >= stopAtMs) return resolve(); // that pump sent the last messages intended before the stop
      const after = performance.now();
      const waitMs = Math.min(sender.waitMs(after), stopAtMs - after);
      if (waitMs <= 0) setImmediate(turn);
      else setTimeout(turn, waitMs);
    };
    setImmediate(turn);
  });
}

/**
 * Open loop at a fixed offered rate: messages go on a timetable whatever the peer does, latency counts from
 * each message's intended time (see open-loop-schedule.ts), paced by paceOpenLoop.
 */
export async function runOpenLoop(name: PeerName, peer: Peer, messages: readonly MessageInput[], options: OpenLoopOptions): Promise<LoadResult> {
  const histogram = new LatencyHistogram();
  const window = new MeasuredWindow();
  const startMs = performance.now() + 5;
  const measureFromMs = startMs + options.warmupS * 1000;
  const stopAtMs = measureFromMs + options.durationS * 1000;
  const schedule = new OpenLoopSchedule(options.ratePerS, startMs, stopAtMs);
  let settledInWindow = 0;
  const outcomes = new OutcomeCounts();
  let measuring = false;

  const sender = new OpenLoopSender(schedule, { maxOutstanding: options.maxOutstanding, maxPerPump: 2048 }, {
    clock: () => performance.now(),
    send: (index) => peer.send(messages[index % messages.length]!),
    record: (latencyMs, intendedAtMs, outcome, sent) => {
      // Throughput is what the peer settles during the window, whenever those messages were meant to go;
      // latency is recorded for the messages meant to go during the window, whenever they settle.
      if (sent && measuring) settledInWindow++;
      if (intendedAtMs < measureFromMs) return;
      histogram.record(latencyMs * 1000);
      outcomes.add(outcome);
    },
  });

  const progress = setInterval(() => options.onProgress?.(Math.max(0, (performance.now() - measureFromMs) / 1000), settledInWindow), 250);
  await paceOpenLoop(sender, stopAtMs, (now) => {
    if (!measuring && now >= measureFromMs) {
      measuring = true;
      window.begin();
    }
  });
  measuring = false;
  const figures = window.end();
  clearInterval(progress);
  const unsent = sender.recordUnsent();

  let drainTimedOut = false;
  const timeout = new Promise<void>((resolve) => setTimeout(() => { drainTimedOut = true; resolve(); }, options.drainTimeoutS * 1000).unref());
  await Promise.race([sender.idle(), timeout]);
  if (drainTimedOut) {
    // Still outstanding: count each as at least as late as now (the peer will settle them eventually).
    const lateMs = performance.now() - stopAtMs;
    histogram.recordMany(lateMs * 1000, sender.outstanding);
  }

  const rps = Math.round(settledInWindow / options.durationS);
  return {
    name,
    mode: 'open',
    rateTarget: options.ratePerS,
    rps,
    ...latencyFields(histogram),
    ...figures,
    settled: settledInWindow,
    ...outcomes.fields(),
    overloaded: unsent > 0.01 * options.ratePerS * options.durationS || drainTimedOut || rps < KEEPING_UP * options.ratePerS,
    repetitions: 1,
  };
}
