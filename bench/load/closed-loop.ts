import { performance } from 'node:perf_hooks';
import { LatencyHistogram } from '../../src/metrics/histogram.ts';
import type { MessageInput } from '../../src/model/message.ts';
import type { Peer, PeerName, SendOutcome } from '../peers/peer.ts';
import { OutcomeCounts } from './outcome-counts.ts';
import type { LoadResult } from './result.ts';
import { latencyFields, MeasuredWindow } from './window.ts';

export interface ClosedLoopOptions {
  inFlight: number;
  durationS: number;
  warmupS: number;
  onProgress?: (elapsedS: number, settled: number) => void;
}

/**
 * Closed loop: keep `inFlight` messages outstanding and send the next as each settles: the most the peer
 * can do, and the latency it has when it does it (Little's law: P50 ≈ inFlight / rate).
 */
export async function runClosedLoop(name: PeerName, peer: Peer, messages: readonly MessageInput[], options: ClosedLoopOptions): Promise<LoadResult> {
  const histogram = new LatencyHistogram();
  const window = new MeasuredWindow();
  let next = 0;
  let measuring = false;
  let stopping = false;
  let settled = 0;
  const outcomes = new OutcomeCounts();
  let outstanding = 0;
  let drained: () => void = () => {};
  // Replacements are launched from a setImmediate, not from the settling callback: a peer that settles in a
  // microtask (inline) would otherwise relaunch in an endless microtask chain and starve every timer.
  let toLaunch = 0;
  let launchScheduled = false;
  const launchPending = (): void => {
    launchScheduled = false;
    const n = toLaunch;
    toLaunch = 0;
    if (stopping) return; // the window is over: replacements are no longer wanted
    for (let i = 0; i < n; i++) launch();
  };

  const settle = (sentAt: number, outcome: SendOutcome): void => {
    outstanding--;
    if (measuring) {
      histogram.record((performance.now() - sentAt) * 1000);
      settled++;
      outcomes.add(outcome);
    }
    if (!stopping) {
      toLaunch++;
      if (!launchScheduled) {
        launchScheduled = true;
        setImmediate(launchPending);
      }
    } else if (outstanding === 0) drained();
  };
  function launch(): void {
    outstanding++;
    const message = messages[next]!;
    next = next + 1 === messages.length ? 0 : next + 1;
    const sentAt = performance.now();
    // Inline arrows, not a named closure per message: tsx wraps named function values in a naming helper.
    peer.send(message).then((outcome) => settle(sentAt, outcome), () => settle(sentAt, 'error'));
  }

  for (let i = 0; i < options.inFlight; i++) launch();
  await sleep(options.warmupS * 1000);
  measuring = true;
  window.begin();
  const measureStart = performance.now();
  const progress = setInterval(() => options.onProgress?.((performance.now() - measureStart) / 1000, settled), 250);
  await sleep(options.durationS * 1000);
  measuring = false;
  const elapsedS = (performance.now() - measureStart) / 1000;
  const figures = window.end();
  clearInterval(progress);
  stopping = true;
  await new Promise<void>((resolve) => {
    drained = resolve;
    if (outstanding === 0) resolve();
  });

  return {
    name,
    mode: 'closed',
    rateTarget: null,
    rps: Math.round(settled / elapsedS),
    ...latencyFields(histogram),
    ...figures,
    settled,
    ...outcomes.fields(),
    overloaded: false,
    repetitions: 1,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
