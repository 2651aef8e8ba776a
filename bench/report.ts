import type { LoadResult } from './closed-loop.ts';

function formatNumber(n: number): string {
  return n.toLocaleString('en-US');
}

/** A plain-text table of results, one row per peer and mode. */
export function resultTable(results: readonly LoadResult[]): string {
  const header = ['name', 'mode', 'target/s', 'msgs/s', 'P50 µs', 'P90 µs', 'P99 µs', 'P99.9 µs', 'max µs', 'loop P99 µs', 'CPU s', 'RSS MB'];
  const rows = results.map((r) => [
    r.name, r.mode, r.rateTarget === null ? '-' : formatNumber(r.rateTarget), formatNumber(r.rps), formatNumber(r.p50Us), formatNumber(r.p90Us),
    formatNumber(r.p99Us), formatNumber(r.p999Us), formatNumber(r.maxUs), formatNumber(r.eventLoopP99Us), String(r.cpuS), String(r.rssMb),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
