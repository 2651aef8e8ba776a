import type { AgentBus, SendResult } from '../src/bus.ts';
import type { MessageInput } from '../src/message.ts';

export interface LoadResult {
  name: string;
  mode: 'closed' | 'open';
  rateTarget: number | null;
  rps: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  eventLoopP99Us: number;
  cpuS: number;
  rssMb: number;
  settled: number;
  notDelivered: number;
}

export interface ClosedLoopOptions {
  inFlight: number;
  durationS: number;
  warmupS: number;
  onProgress?: (elapsedS: number, settled: number) => void;
}

/**
 * Closed loop: keep `inFlight` messages outstanding, send the next as each settles. Measures the bus's own
 * metrics (HDR, end to end per message) over the measured window only.
 */
export async function runClosedLoop(name: string, bus: AgentBus, messages: readonly MessageInput[], options: ClosedLoopOptions): Promise<LoadResult> {
  let next = 0;
  let stopAt = Number.POSITIVE_INFINITY;
  let measuring = false;
  let notDelivered = 0;
  let outstanding = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const onSettled = (result: SendResult): void => {
    outstanding--;
    if (measuring && result.status !== 'delivered') notDelivered++;
    if (performance.now() < stopAt) launch();
    else if (outstanding === 0) finish();
  };
  const launch = (): void => {
    outstanding++;
    const message = messages[next]!;
    next = next + 1 === messages.length ? 0 : next + 1;
    void bus.send(message).then(onSettled);
  };

  const started = performance.now();
  for (let i = 0; i < options.inFlight; i++) launch();
  await new Promise((r) => setTimeout(r, options.warmupS * 1000));
  bus.resetMetrics();
  measuring = true;
  const cpuBefore = process.cpuUsage();
  const measureStart = performance.now();
  stopAt = measureStart + options.durationS * 1000;
  let peakRss = process.memoryUsage.rss();
  const progress = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    options.onProgress?.((performance.now() - measureStart) / 1000, bus.metrics().settled);
  }, 250);
  await new Promise((r) => setTimeout(r, options.durationS * 1000));
  const metrics = bus.metrics();
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(progress);
  await finished;
  void started;
  return {
    name,
    mode: 'closed',
    rateTarget: null,
    rps: Math.round(metrics.settled / metrics.elapsedS),
    p50Us: metrics.latencyUs.p50,
    p90Us: metrics.latencyUs.p90,
    p99Us: metrics.latencyUs.p99,
    p999Us: metrics.latencyUs.p999,
    maxUs: metrics.latencyUs.max,
    eventLoopP99Us: metrics.eventLoopDelay.p99Us,
    cpuS: Math.round(((cpu.user + cpu.system) / 1e6) * 100) / 100,
    rssMb: Math.round(peakRss / 2 ** 20),
    settled: metrics.settled,
    notDelivered,
  };
}
