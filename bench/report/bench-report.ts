import type { BenchPipeline } from '../peers/pipeline-spec.ts';
import type { LoadResult } from '../load/result.ts';
import type { MachineInfo } from '../machine.ts';

/** One micro-benchmark: ns per operation with its relative margin of error. */
export interface MicroResult {
  name: string;
  nsPerOp: number;
  /** Relative margin of error of the mean, percent (tinybench `rme`, 95% confidence). */
  rmePercent: number;
  samples: number;
  /** The predecessor's published figure for the same operation, ns/op: a claim, not a measurement. */
  claimNs?: number;
}

/** Everything one `agentbus bench` run produced: what `--json` prints and `--write` renders. */
export interface BenchReport {
  machine: MachineInfo;
  /** The exact command, so the figures can be reproduced. */
  command: string;
  settings: {
    pipeline: BenchPipeline;
    workers: number;
    inFlight: number;
    warmupS: number;
    durationS: number;
    repeat: number;
    peers: string[];
  };
  openRates: number[];
  /** The open-loop rate derived from agentbus's closed-loop max (80% of it), when measured. */
  eightyPercentRate: number | null;
  /** The offered rate that stands for 50% of agentbus's closed-loop maximum. */
  halfRate: number | null;
  results: LoadResult[];
  micro: MicroResult[] | null;
  /** Micro-benchmarks that could not run here, and why (a module not written yet, …). */
  microSkipped: string[];
}
