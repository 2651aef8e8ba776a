import { performance } from 'node:perf_hooks';
import type { AgentBus } from '../../src/bus.ts';
import type { MessageInput } from '../../src/model/message.ts';

/** What an open-loop drive at a fixed rate saw. */
export interface DriveResult {
  sent: number;
  settled: number;
  /** Sent and never settled (within the drain timeout): must be 0. */
  lost: number;
  delivered: number;
  byCode: Record<string, number>;
  peakRssBytes: number;
  /** [seconds since start, RSS bytes], one per `sampleEveryMs`. */
  rssSamples: [number, number][];
  durationS: number;
  /** Seconds from the first send to the last: longer than `durationS` when the driver could not keep its rate. */
  sendingS: number;
}

export interface DriveOptions {
  ratePerS: number;
  durationS: number;
  drainTimeoutS?: number;
  sampleEveryMs?: number;
  onProgress?: (elapsedS: number, result: DriveResult) => void;
}

/**
 * Most messages sent in one turn. Large, so that the driver keeps its rate even when the bus's verdict drains
 * take most of each turn: with 4,096 per turn, a bus at 2× its maximum slowed the driver to what it served
 * (the excess was never offered, so never refused).
 */
const MAX_PER_TURN = 65_536;

/**
 * Sends `messages` (round robin) at `ratePerS` for `durationS`, open loop: a message goes when its time comes,
 * whatever the bus answers — no client-side limit, so an overloaded bus has to turn the excess away itself
 * (E_OVERLOADED). Between due messages the driver sleeps on a timer (a driver that spun would take a core
 * from the bus it drives).
 */
export async function driveAtRate(bus: AgentBus, messages: readonly MessageInput[], options: DriveOptions): Promise<DriveResult> {
  const result: DriveResult = { sent: 0, settled: 0, lost: 0, delivered: 0, byCode: {}, peakRssBytes: 0, rssSamples: [], durationS: options.durationS, sendingS: 0 };
  const started = performance.now();
  const stopAt = started + options.durationS * 1000;
  const sample = (): void => {
    const rss = process.memoryUsage.rss();
    result.peakRssBytes = Math.max(result.peakRssBytes, rss);
    result.rssSamples.push([(performance.now() - started) / 1000, rss]);
    options.onProgress?.((performance.now() - started) / 1000, result);
  };
  const sampler = setInterval(sample, options.sampleEveryMs ?? 1_000);
  let outstanding = 0;
  let idle: (() => void) | null = null;
  const onSettled = (r: { status: string; code?: string }): void => {
    result.settled++;
    outstanding--;
    if (r.status === 'delivered') result.delivered++;
    else result.byCode[r.code ?? 'none'] = (result.byCode[r.code ?? 'none'] ?? 0) + 1;
    if (outstanding === 0 && idle) idle();
  };
  await new Promise<void>((resolve) => {
    const turn = (): void => {
      const now = performance.now();
      const due = Math.floor(((Math.min(now, stopAt) - started) / 1000) * options.ratePerS);
      for (let n = 0; result.sent < due && n < MAX_PER_TURN; n++) {
        const message = messages[result.sent % messages.length]!;
        result.sent++;
        outstanding++;
        bus.send(message).then(onSettled);
      }
      if (now >= stopAt && result.sent >= due) resolve();
      else if (result.sent < due) setImmediate(turn);
      else setTimeout(turn, Math.min(stopAt - now, ((result.sent + 1) * 1000) / options.ratePerS - (now - started)));
    };
    setImmediate(turn);
  });
  result.sendingS = (performance.now() - started) / 1000;
  const drained = new Promise<void>((resolve) => {
    idle = resolve;
    if (outstanding === 0) resolve();
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([drained, new Promise<void>((resolve) => (timer = setTimeout(resolve, (options.drainTimeoutS ?? 30) * 1000)))]);
  clearTimeout(timer);
  clearInterval(sampler);
  sample();
  result.lost = result.sent - result.settled;
  return result;
}

/**
 * Settled messages per second a closed loop of `concurrency` senders gets over `seconds`, after a warm-up of
 * half as long (JIT, policy cache) that is not counted: the bus's ceiling on this machine.
 */
export async function measureMaxRate(bus: AgentBus, messages: readonly MessageInput[], seconds: number, concurrency = 4096): Promise<number> {
  let settled = 0;
  let index = 0;
  const warmUntil = performance.now() + (seconds * 1000) / 2;
  const stopAt = warmUntil + seconds * 1000;
  let countedFrom = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < stopAt) {
      await bus.send(messages[index++ % messages.length]!);
      const now = performance.now();
      if (now >= warmUntil) {
        if (countedFrom === 0) countedFrom = now;
        settled++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return Math.round(settled / ((performance.now() - countedFrom) / 1000));
}

/** Least-squares slope of RSS over time, MiB per minute. */
export function rssSlopeMiBPerMin(samples: readonly [number, number][]): number {
  const n = samples.length;
  if (n < 2) return 0;
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const [x, y] of samples) {
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const slopeBytesPerS = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  return (slopeBytesPerS * 60) / (1024 * 1024);
}
