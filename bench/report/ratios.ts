import type { LoadResult } from '../load/result.ts';
import type { PeerName } from '../peers/peer.ts';
import type { BenchPipeline } from '../peers/pipeline-spec.ts';

/**
 * agentbus's closed-loop throughput target per pipeline, on the 2-core machine the issues were written for:
 * validation only (issue 2, with P99 < 5 ms), the default policy with its cache and without (issue 3).
 */
const THROUGHPUT_TARGETS: Partial<Record<BenchPipeline, { rps: number; p99Us?: number }>> = {
  validation: { rps: 300_000, p99Us: 5_000 },
  full: { rps: 200_000 },
  'full-uncached': { rps: 120_000 },
};

export interface Ratio {
  peer: PeerName;
  /** agentbus msgs/s ÷ the peer's (closed loop): how many times more agentbus moves. */
  throughput: number;
  /** The peer's P99 ÷ agentbus's (closed loop). */
  p99: number;
}

/** Every peer against agentbus, closed loop: the same run, so the ratio holds even on a noisy machine. */
export function closedLoopRatios(results: readonly LoadResult[]): Ratio[] {
  const closed = results.filter((r) => r.mode === 'closed');
  const ours = closed.find((r) => r.name === 'agentbus');
  if (ours === undefined) return [];
  return closed
    .filter((r) => r.name !== 'agentbus')
    .map((r) => ({ peer: r.name, throughput: r.rps > 0 ? ours.rps / r.rps : Number.POSITIVE_INFINITY, p99: ours.p99Us > 0 ? r.p99Us / ours.p99Us : NaN }));
}

export interface Target {
  description: string;
  /** What was measured, in words. */
  measured: string;
  met: boolean | null;
}

function find(results: readonly LoadResult[], name: PeerName, mode: 'closed' | 'open', rate: number | null = null): LoadResult | undefined {
  return results.find((r) => r.name === name && r.mode === mode && (mode === 'closed' || r.rateTarget === rate));
}

/** The numbers to reach, checked against this run. `met: null` when the run lacks the figure. */
export function checkTargets(results: readonly LoadResult[], eightyPercentRate: number | null, pipeline: BenchPipeline): Target[] {
  const ours = find(results, 'agentbus', 'closed');
  const piscina = find(results, 'piscina-per-message', 'closed');
  const ceiling = find(results, 'ring-empty', 'closed');
  const at100k = find(results, 'agentbus', 'open', 100_000);
  const at80 = eightyPercentRate === null ? undefined : find(results, 'agentbus', 'open', eightyPercentRate);
  const targets: Target[] = [];
  const ms = (us: number): string => `${(us / 1000).toFixed(2)} ms`;
  const throughput = THROUGHPUT_TARGETS[pipeline];
  if (throughput !== undefined) {
    const p99 = throughput.p99Us === undefined ? '' : `, P99 < ${ms(throughput.p99Us)}`;
    const description = `agentbus closed loop, ${pipeline} pipeline: ≥ ${throughput.rps.toLocaleString('en-US')} msgs/s${p99}`;
    targets.push(
      ours
        ? {
            description,
            measured: `${ours.rps.toLocaleString('en-US')} msgs/s, P99 ${ms(ours.p99Us)}`,
            met: ours.rps >= throughput.rps && (throughput.p99Us === undefined || ours.p99Us < throughput.p99Us),
          }
        : { description, measured: 'not run', met: null },
    );
  }
  targets.push(
    ours && piscina
      ? { description: 'agentbus ≥ 25× Piscina-per-message msgs/s', measured: `${(ours.rps / Math.max(1, piscina.rps)).toFixed(1)}×`, met: ours.rps >= 25 * piscina.rps }
      : { description: 'agentbus ≥ 25× Piscina-per-message msgs/s', measured: 'not run', met: null },
  );
  targets.push(
    ours && ceiling
      ? { description: 'agentbus ≥ 50% of the empty-pipeline ring ceiling', measured: `${Math.round((100 * ours.rps) / Math.max(1, ceiling.rps))}%`, met: ours.rps >= 0.5 * ceiling.rps }
      : { description: 'agentbus ≥ 50% of the empty-pipeline ring ceiling', measured: 'not run', met: null },
  );
  targets.push(
    at100k
      ? { description: 'open loop 100k msgs/s: P99 ≤ 2 ms', measured: `P99 ${ms(at100k.p99Us)}${at100k.overloaded ? ' (overloaded)' : ''}`, met: !at100k.overloaded && at100k.p99Us <= 2000 }
      : { description: 'open loop 100k msgs/s: P99 ≤ 2 ms', measured: 'not run', met: null },
  );
  targets.push(
    at80
      ? { description: `open loop at 80% of max (${at80.rateTarget!.toLocaleString('en-US')}/s): P99 < 5 ms`, measured: `P99 ${ms(at80.p99Us)}${at80.overloaded ? ' (overloaded)' : ''}`, met: !at80.overloaded && at80.p99Us < 5000 }
      : { description: 'open loop at 80% of max: P99 < 5 ms', measured: 'not run', met: null },
  );
  targets.push(
    ours
      ? { description: 'event-loop delay P99 ≤ 2 ms at max load', measured: ms(ours.eventLoopP99Us), met: ours.eventLoopP99Us <= 2000 }
      : { description: 'event-loop delay P99 ≤ 2 ms at max load', measured: 'not run', met: null },
  );
  return targets;
}
