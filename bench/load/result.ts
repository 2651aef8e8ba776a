import type { PeerName } from '../peers/peer.ts';

/** A point of an HDR percentile distribution, for the charts. */
export interface DistributionPoint {
  percentile: number;
  micros: number;
}

/**
 * One peer under one load (the `--json` shape: `results[]`). Latencies are µs from the *intended* send
 * time to settlement; in a closed loop the intended time is the actual send time.
 */
export interface LoadResult {
  name: PeerName;
  mode: 'closed' | 'open';
  /** Offered msgs/s in an open loop; null in a closed loop. */
  rateTarget: number | null;
  /** Messages settled per second in the measured window. */
  rps: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  eventLoopP99Us: number;
  /** CPU seconds of the whole process (main and worker threads) in the measured window. */
  cpuS: number;
  /**
   * Event-loop utilisation of the thread that generates the load — also the bus's main thread — over the
   * window (0–1: the share of time it was not idle). For the `noop` peer, the load generator's own cost.
   */
  mainThreadBusy: number;
  /** Peak resident set size in the measured window. */
  rssMb: number;
  settled: number;
  /** Of `settled`: delivered, denied by a check (the scenario's wrong hashes, policy and deliberation denials), or errors (see SendOutcome). */
  delivered: number;
  denied: number;
  errors: number;
  /** Open loop: the peer could not keep up with the offered rate (fell behind or settled < 95% of it). */
  overloaded: boolean;
  /** How many repetitions the figures are the median of. */
  repetitions: number;
  distribution: DistributionPoint[];
}

/** Percentiles sampled for the charts: dense where the tail lives. */
export const CHART_PERCENTILES: readonly number[] = [
  0, 10, 25, 50, 75, 80, 85, 90, 92.5, 95, 96.25, 97.5, 98, 98.5, 99, 99.25, 99.5, 99.6, 99.7, 99.8, 99.9, 99.95, 99.97, 99.99, 99.995, 99.999, 100,
];
