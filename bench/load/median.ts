import type { LoadResult } from './result.ts';

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The median of repetitions of one peer under one load, figure by figure (so P99 and msgs/s may come from
 * different repetitions: each column is the typical value of that column). The chart's distribution is the
 * one of the repetition whose P99 is the median, so the drawn curve is a real run. Overloaded if most
 * repetitions were.
 */
export function medianResult(runs: readonly LoadResult[]): LoadResult {
  if (runs.length === 0) throw new RangeError('no repetitions to take the median of');
  const first = runs[0]!;
  const m = (pick: (r: LoadResult) => number): number => median(runs.map(pick));
  const byP99 = [...runs].sort((a, b) => a.p99Us - b.p99Us);
  return {
    name: first.name,
    mode: first.mode,
    rateTarget: first.rateTarget,
    rps: Math.round(m((r) => r.rps)),
    p50Us: m((r) => r.p50Us),
    p90Us: m((r) => r.p90Us),
    p99Us: m((r) => r.p99Us),
    p999Us: m((r) => r.p999Us),
    maxUs: m((r) => r.maxUs),
    eventLoopP99Us: m((r) => r.eventLoopP99Us),
    cpuS: Math.round(m((r) => r.cpuS) * 100) / 100,
    rssMb: Math.round(m((r) => r.rssMb)),
    settled: Math.round(m((r) => r.settled)),
    delivered: Math.round(m((r) => r.delivered)),
    denied: Math.round(m((r) => r.denied)),
    errors: Math.round(m((r) => r.errors)),
    mainThreadBusy: m((r) => r.mainThreadBusy),
    overloaded: runs.filter((r) => r.overloaded).length * 2 > runs.length,
    repetitions: runs.length,
    distribution: byP99[(byP99.length - 1) >> 1]!.distribution,
  };
}
