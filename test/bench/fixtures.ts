import type { LoadResult } from '../../bench/load/result.ts';
import type { PeerName } from '../../bench/peers/peer.ts';
import type { BenchReport } from '../../bench/report/bench-report.ts';

export function result(name: PeerName, mode: 'closed' | 'open', rate: number | null, rps: number, p99Us: number, extra: Partial<LoadResult> = {}): LoadResult {
  return {
    name, mode, rateTarget: rate, rps, p50Us: p99Us / 10, p90Us: p99Us / 2, p99Us, p999Us: p99Us * 2, maxUs: p99Us * 3,
    eventLoopP99Us: 900, cpuS: 1.5, mainThreadBusy: 0.9, rssMb: 200, settled: rps, delivered: rps - Math.round(rps / 100), denied: Math.round(rps / 100), errors: 0, overloaded: false, repetitions: 1,
    distribution: [{ percentile: 0, micros: 5 }, { percentile: 50, micros: p99Us / 10 }, { percentile: 99, micros: p99Us }, { percentile: 99.9, micros: p99Us * 2 }, { percentile: 100, micros: p99Us * 3 }],
    ...extra,
  };
}

export const PEERS: PeerName[] = ['agentbus', 'agentbus-audit', 'agentbus-no-deliberation', 'inline', 'piscina-per-message', 'piscina-batched', 'ring-empty', 'noop'];

export function sampleReport(): BenchReport {
  const closedRps: Record<PeerName, number> = { agentbus: 280_000, 'agentbus-audit': 260_000, 'agentbus-no-deliberation': 300_000, inline: 250_000, 'piscina-per-message': 10_000, 'piscina-batched': 200_000, 'ring-empty': 500_000, noop: 2_000_000 };
  const fast = (p: PeerName) => p === 'agentbus' || p === 'agentbus-no-deliberation';
  const results: LoadResult[] = PEERS.map((p) => result(p, 'closed', null, closedRps[p], fast(p) ? 3000 : 6000));
  for (const rate of [100_000, 150_000, 240_000]) {
    for (const p of PEERS) {
      const overloaded = closedRps[p] < rate;
      results.push(result(p, 'open', rate, overloaded ? closedRps[p] : rate, fast(p) ? 1500 : 4000, { overloaded }));
    }
  }
  return {
    machine: { cpuModel: 'Test CPU <&>', cores: 2, memoryGiB: 4, node: 'v20.0.0', platform: 'linux x64', commit: 'abc1234', date: '2026-01-01T00:00:00.000Z' },
    command: 'agentbus bench --write',
    settings: { pipeline: 'full', workers: 1, inFlight: 512, warmupS: 1, durationS: 3, repeat: 3, peers: PEERS },
    openRates: [100_000, 150_000, 240_000],
    eightyPercentRate: 240_000,
    halfRate: 150_000,
    results,
    micro: [{ name: 'constitutional hash check (match)', nsPerOp: 12.3, rmePercent: 0.8, samples: 1000, claimNs: 292 }],
    microSkipped: ['Z3 deliberation: no module'],
  };
}
