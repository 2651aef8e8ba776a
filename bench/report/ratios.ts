import type { LoadResult } from '../load/result.ts';
import type { PeerName } from '../peers/peer.ts';
import type { BenchPipeline } from '../peers/pipeline-spec.ts';

/**
 * Closed-loop throughput targets per pipeline on the 2-core machine the issues were written for. The
 * dispatch-design targets (issues 2 and 3: validation only with P99 < 5 ms; the default policy with its cache
 * and without) are the bus without deliberation, the pipeline the Piscina peers share; issue 11's is the
 * default bus as users run it (`agentbus`: deliberation on).
 */
const THROUGHPUT_TARGETS: Partial<Record<BenchPipeline, { rps: number; p99Us?: number }>> = {
  validation: { rps: 300_000, p99Us: 5_000 },
  full: { rps: 200_000 },
  'full-uncached': { rps: 120_000 },
};
const DEFAULT_BUS_TARGET_RPS = 150_000;
const DEFAULT_BUS_SHARE = 0.7;
/** Issue 16: the audit trail costs at most 10% of the default bus's msgs/s, measured in the same run. */
const AUDIT_SHARE = 0.9;

/** The row the dispatch designs are compared with: the bus running the same pipeline as the Piscina peers. */
export const TRANSPORT_REFERENCE: PeerName = 'agentbus-no-deliberation';

export interface Ratio {
  peer: PeerName;
  /** The reference row's msgs/s ÷ the peer's (closed loop): how many times more it moves. */
  throughput: number;
  /** The peer's P99 ÷ the reference row's (closed loop). */
  p99: number;
}

/**
 * Every dispatch design against the bus running the same pipeline (agentbus-no-deliberation, or agentbus
 * when that row was not run), closed loop: the same run, so the ratio holds even on a noisy machine. The
 * default bus and the noop load generator are not dispatch designs and are left out.
 */
export function closedLoopRatios(results: readonly LoadResult[]): Ratio[] {
  const closed = results.filter((r) => r.mode === 'closed');
  const ours = closed.find((r) => r.name === TRANSPORT_REFERENCE) ?? closed.find((r) => r.name === 'agentbus');
  if (ours === undefined) return [];
  return closed
    .filter((r) => r.name !== ours.name && r.name !== 'agentbus' && r.name !== 'agentbus-audit' && r.name !== 'noop')
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
export function checkTargets(results: readonly LoadResult[], eightyPercentRate: number | null, pipeline: BenchPipeline, halfRate: number | null = null): Target[] {
  const defaultBus = find(results, 'agentbus', 'closed');
  const ours = find(results, TRANSPORT_REFERENCE, 'closed') ?? defaultBus;
  const piscina = find(results, 'piscina-per-message', 'closed');
  const ceiling = find(results, 'ring-empty', 'closed');
  const at100k = find(results, TRANSPORT_REFERENCE, 'open', 100_000) ?? find(results, 'agentbus', 'open', 100_000);
  const at80 = eightyPercentRate === null ? undefined : find(results, 'agentbus', 'open', eightyPercentRate);
  const atHalf = halfRate === null ? undefined : find(results, 'agentbus', 'open', halfRate);
  const targets: Target[] = [];
  const ms = (us: number): string => `${(us / 1000).toFixed(2)} ms`;
  const count = (n: number): string => n.toLocaleString('en-US');
  if (pipeline === 'full') {
    const description = `default bus (agentbus) closed loop: ≥ ${count(DEFAULT_BUS_TARGET_RPS)} msgs/s`;
    targets.push(defaultBus ? { description, measured: `${count(defaultBus.rps)} msgs/s`, met: defaultBus.rps >= DEFAULT_BUS_TARGET_RPS } : { description, measured: 'not run', met: null });
    const noDeliberation = find(results, TRANSPORT_REFERENCE, 'closed');
    const share = `default bus ≥ ${DEFAULT_BUS_SHARE}× agentbus-no-deliberation msgs/s`;
    targets.push(
      defaultBus && noDeliberation
        ? { description: share, measured: `${(defaultBus.rps / Math.max(1, noDeliberation.rps)).toFixed(2)}×`, met: defaultBus.rps >= DEFAULT_BUS_SHARE * noDeliberation.rps }
        : { description: share, measured: 'not run', met: null },
    );
    const half = 'default bus, open loop at 50% of its max: P99 < 5 ms and event-loop P99 ≤ 2 ms';
    targets.push(
      atHalf
        ? { description: half, measured: `P99 ${ms(atHalf.p99Us)}, loop P99 ${ms(atHalf.eventLoopP99Us)}${atHalf.overloaded ? ' (overloaded)' : ''}`, met: !atHalf.overloaded && atHalf.p99Us < 5000 && atHalf.eventLoopP99Us <= 2000 }
        : { description: half, measured: 'not run', met: null },
    );
    const upTo80 = results.filter((r) => r.name === 'agentbus' && r.mode === 'open' && eightyPercentRate !== null && r.rateTarget! <= eightyPercentRate);
    const errors = upTo80.reduce((sum, r) => sum + r.errors, 0);
    const noErrors = 'default bus: 0 errors at every offered rate up to 80% of its max';
    targets.push(upTo80.length > 0 ? { description: noErrors, measured: `${count(errors)} errors in ${upTo80.length} loads`, met: errors === 0 } : { description: noErrors, measured: 'not run', met: null });
  }
  const throughput = THROUGHPUT_TARGETS[pipeline];
  if (throughput !== undefined) {
    const p99 = throughput.p99Us === undefined ? '' : `, P99 < ${ms(throughput.p99Us)}`;
    const description = `${ours?.name ?? TRANSPORT_REFERENCE} closed loop, ${pipeline} pipeline: ≥ ${throughput.rps.toLocaleString('en-US')} msgs/s${p99}`;
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
      ? { description: `${ours!.name} ≥ 25× Piscina-per-message msgs/s`, measured: `${(ours.rps / Math.max(1, piscina.rps)).toFixed(1)}×`, met: ours.rps >= 25 * piscina.rps }
      : { description: 'agentbus ≥ 25× Piscina-per-message msgs/s', measured: 'not run', met: null },
  );
  targets.push(
    ours && ceiling
      ? { description: `${ours!.name} ≥ 50% of the empty-pipeline ring ceiling`, measured: `${Math.round((100 * ours.rps) / Math.max(1, ceiling.rps))}%`, met: ours.rps >= 0.5 * ceiling.rps }
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
  const audited = find(results, 'agentbus-audit', 'closed');
  const auditShare = `audit on (agentbus-audit) ≥ ${AUDIT_SHARE}× agentbus msgs/s, same run`;
  targets.push(
    defaultBus && audited
      ? { description: auditShare, measured: `${(audited.rps / Math.max(1, defaultBus.rps)).toFixed(2)}×`, met: audited.rps >= AUDIT_SHARE * defaultBus.rps }
      : { description: auditShare, measured: 'not run', met: null },
  );
  return targets;
}
