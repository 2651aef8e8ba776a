import type { LoadResult } from '../load/result.ts';
import type { BenchReport, MicroResult } from './bench-report.ts';
import { formatCount, formatRate, formatRatio, markdownTable, textTable } from './format.ts';
import { checkTargets, closedLoopRatios } from './ratios.ts';

const RESULT_HEADER = ['peer', 'msgs/s', 'P50 µs', 'P90 µs', 'P99 µs', 'P99.9 µs', 'max µs', 'loop P99 µs', 'CPU s', 'main busy', 'RSS MB', 'delivered', 'denied', 'errors', 'note'];

function resultRow(r: LoadResult): string[] {
  return [
    r.name, formatCount(r.rps), formatCount(r.p50Us), formatCount(r.p90Us), formatCount(r.p99Us), formatCount(r.p999Us),
    formatCount(r.maxUs), formatCount(r.eventLoopP99Us), r.cpuS.toFixed(2), `${Math.round(r.mainThreadBusy * 100)}%`, String(r.rssMb),
    formatCount(r.delivered), formatCount(r.denied), formatCount(r.errors), r.overloaded ? 'overloaded' : '',
  ];
}

export interface ResultSection {
  title: string;
  /** File-name-safe key, e.g. `closed` or `open-100000`: names the chart. */
  key: string;
  results: LoadResult[];
}

/** Results grouped by load: the closed loop first, then each open-loop rate ascending. */
export function resultSections(results: readonly LoadResult[], inFlight: number): ResultSection[] {
  const sections: ResultSection[] = [];
  const closed = results.filter((r) => r.mode === 'closed');
  if (closed.length > 0) sections.push({ title: `Closed loop (${formatCount(inFlight)} in flight): maximum throughput`, key: 'closed', results: closed });
  const rates = [...new Set(results.filter((r) => r.mode === 'open').map((r) => r.rateTarget!))].sort((a, b) => a - b);
  for (const rate of rates) {
    sections.push({ title: `Open loop at ${formatRate(rate)} offered`, key: `open-${rate}`, results: results.filter((r) => r.mode === 'open' && r.rateTarget === rate) });
  }
  return sections;
}

function microRows(micro: readonly MicroResult[]): string[][] {
  return micro.map((m) => [m.name, formatCount(m.nsPerOp), `±${m.rmePercent.toFixed(1)}%`, formatCount(m.samples), m.claimNs === undefined ? '' : `${formatCount(m.claimNs)} (claim)`]);
}
const MICRO_HEADER = ['operation', 'ns/op', 'margin', 'samples', 'predecessor'];

function ratioRows(results: readonly LoadResult[]): string[][] {
  return closedLoopRatios(results).map((r) => [r.peer, formatRatio(r.throughput), formatRatio(r.p99)]);
}
const RATIO_HEADER = ['peer', 'agentbus-no-deliberation msgs/s ÷ peer', 'peer P99 ÷ agentbus-no-deliberation P99'];

/** The summary printed at the end of a run (no `--json`). */
export function textReport(report: BenchReport): string {
  const m = report.machine;
  const out: string[] = [];
  out.push(`machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, commit ${m.commit}`);
  out.push(`pipeline: ${report.settings.pipeline}, ${report.settings.workers} worker thread(s), median of ${report.settings.repeat} repetition(s), ${report.settings.durationS} s measured each`);
  for (const section of resultSections(report.results, report.settings.inFlight)) {
    out.push('', section.title, textTable(RESULT_HEADER, section.results.map(resultRow)));
  }
  const ratios = ratioRows(report.results);
  if (ratios.length > 0) out.push('', 'Dispatch designs against the bus running the same pipeline (closed loop, same run)', textTable(RATIO_HEADER, ratios));
  const targets = checkTargets(report.results, report.eightyPercentRate, report.settings.pipeline, report.halfRate);
  out.push('', 'Targets', textTable(['target', 'measured', ''], targets.map((t) => [t.description, t.measured, t.met === null ? '' : t.met ? 'met' : 'MISSED']), 2));
  if (report.micro) out.push('', 'Micro-benchmarks', textTable(MICRO_HEADER, microRows(report.micro)));
  for (const note of report.microSkipped) out.push(`  skipped: ${note}`);
  return out.join('\n');
}

export function markdownResults(section: ResultSection): string {
  return markdownTable(RESULT_HEADER, section.results.map(resultRow));
}

export function markdownRatios(results: readonly LoadResult[]): string {
  return markdownTable(RATIO_HEADER, ratioRows(results));
}

export function markdownMicro(micro: readonly MicroResult[]): string {
  return markdownTable(MICRO_HEADER, microRows(micro));
}
