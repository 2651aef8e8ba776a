import type { BenchPipeline } from './peers/pipeline-spec.ts';
import { runTrialInChild } from './load/child.ts';
import { median, medianResult } from './load/median.ts';
import type { LoadResult } from './load/result.ts';
import type { LoadSpec, TrialSpec } from './load/trial.ts';
import type { PeerName } from './peers/peer.ts';

export interface LoadPlan {
  peers: readonly PeerName[];
  pipeline: BenchPipeline;
  workers: number;
  inFlight: number;
  /** Fixed offered rates for the open loop, msgs/s; 80% of agentbus's closed-loop max is added to them. */
  openRates: readonly number[];
  warmupS: number;
  durationS: number;
  repeat: number;
  maxOutstanding: number;
}

export interface LoadProgress {
  phase: 'closed' | 'open';
  peer: PeerName;
  repetition: number;
  /** Seconds of measurement done and planned, for the whole run. */
  doneS: number;
  totalS: number;
  label: string;
  settled: number;
}

/** The peers in the order repetition `r` runs them: rotated, so no peer always goes first (or last). */
export function rotation<T>(items: readonly T[], repetition: number): T[] {
  const k = items.length === 0 ? 0 : repetition % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/**
 * The open loop's offered rates: the fixed ones plus 50% and 80% of the measured max, ascending. When a rate
 * is within 5% of a mark, it stands for it (no near-duplicate load); `half` and `eighty` name the rates that do.
 */
export function openRatesWith(fixed: readonly number[], closedLoopMax: number): { rates: number[]; half: number | null; eighty: number | null } {
  const rates = [...fixed];
  const mark = (share: number): number | null => {
    const target = Math.round((share * closedLoopMax) / 1000) * 1000;
    if (target <= 0) return null;
    const near = rates.find((r) => Math.abs(r - target) < 0.05 * r);
    if (near === undefined) rates.push(target);
    return near ?? target;
  };
  const half = mark(0.5);
  const eighty = mark(0.8);
  return { rates: rates.sort((a, b) => a - b), half, eighty };
}

/**
 * The whole load comparison. With one repetition, see the comment inside. Otherwise: phase 1: the closed loop, every peer, `repeat` times, order rotated. Phase 2:
 * the open loop at every rate (including 80% of agentbus's median closed-loop max), same rotation. Every
 * trial is a child process of its own. Returns the median of the repetitions per peer and load.
 */
export async function runLoad(plan: LoadPlan, onProgress: (progress: LoadProgress) => void = () => {}): Promise<{ results: LoadResult[]; openRates: number[]; halfRate: number | null; eightyPercentRate: number | null }> {
  const loadSeconds = plan.warmupS + plan.durationS;
  const closedTotal = plan.peers.length * plan.repeat * loadSeconds;
  const openTotal = plan.peers.length * plan.repeat * (plan.openRates.length + 1) * loadSeconds;
  let doneS = 0;
  const trial = async (phase: 'closed' | 'open', peer: PeerName, repetition: number, loads: LoadSpec[]): Promise<LoadResult[]> => {
    const spec: TrialSpec = { peer, pipeline: plan.pipeline, workers: plan.workers, warmupS: plan.warmupS, durationS: plan.durationS, loads, maxOutstanding: plan.maxOutstanding };
    const before = doneS;
    const results = await runTrialInChild(spec, (load, elapsedS, settled) => {
      const l = loads[load]!;
      const label = l.mode === 'closed' ? `closed loop, ${l.inFlight} in flight` : `open loop, ${l.ratePerS.toLocaleString('en-US')}/s`;
      doneS = before + load * loadSeconds + plan.warmupS + Math.min(elapsedS, plan.durationS);
      onProgress({ phase, peer, repetition, doneS, totalS: closedTotal + openTotal, label, settled });
    });
    doneS = before + loads.length * loadSeconds;
    return results;
  };

  const closedRuns = new Map<PeerName, LoadResult[]>();
  const openRuns = new Map<string, LoadResult[]>();
  const keep = (results: readonly LoadResult[]): void => {
    for (const result of results) {
      if (result.mode === 'closed') closedRuns.set(result.name, [...(closedRuns.get(result.name) ?? []), result]);
      else openRuns.set(`${result.name}@${result.rateTarget}`, [...(openRuns.get(`${result.name}@${result.rateTarget}`) ?? []), result]);
    }
  };
  const closedLoad: LoadSpec = { mode: 'closed', inFlight: plan.inFlight };
  const reference: PeerName = plan.peers.includes('agentbus') ? 'agentbus' : plan.peers[0]!;
  let openRates: number[];
  let eightyPercentRate: number | null;
  let halfRate: number | null;

  if (plan.repeat === 1) {
    // One repetition (--quick): no order to rotate, so save process starts. The reference peer's closed
    // loop goes first (it sets the 80% rate), then each other peer does all its loads in one process.
    keep(await trial('closed', reference, 0, [closedLoad]));
    ({ rates: openRates, half: halfRate, eighty: eightyPercentRate } = openRatesWith(plan.openRates, closedRuns.get(reference)![0]!.rps));
    const openLoads: LoadSpec[] = openRates.map((ratePerS) => ({ mode: 'open', ratePerS }));
    for (const peer of plan.peers) {
      keep(await trial(peer === reference ? 'open' : 'closed', peer, 0, peer === reference ? openLoads : [closedLoad, ...openLoads]));
    }
  } else {
    for (let r = 0; r < plan.repeat; r++) {
      for (const peer of rotation(plan.peers, r)) keep(await trial('closed', peer, r, [closedLoad]));
    }
    ({ rates: openRates, half: halfRate, eighty: eightyPercentRate } = openRatesWith(plan.openRates, median((closedRuns.get(reference) ?? []).map((r) => r.rps))));
    for (let r = 0; r < plan.repeat; r++) {
      for (const peer of rotation(plan.peers, r)) keep(await trial('open', peer, r, openRates.map((ratePerS) => ({ mode: 'open', ratePerS }))));
    }
  }

  const results: LoadResult[] = [];
  for (const peer of plan.peers) results.push(medianResult(closedRuns.get(peer)!));
  for (const rate of openRates) for (const peer of plan.peers) results.push(medianResult(openRuns.get(`${peer}@${rate}`)!));
  return { results, openRates, halfRate, eightyPercentRate };
}
