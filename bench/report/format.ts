/** Number formatting shared by the text table, the Markdown and the charts. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Microseconds as people read them: µs below 1 ms, then ms, then s above 10 s. */
export function formatMicros(us: number): string {
  if (!Number.isFinite(us)) return '-';
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 10_000_000) return `${(us / 1000).toFixed(us < 100_000 ? 2 : 0)} ms`;
  return `${(us / 1e6).toFixed(1)} s`;
}

export function formatRatio(r: number): string {
  if (!Number.isFinite(r)) return '-';
  return r >= 10 ? `${r.toFixed(0)}×` : `${r.toFixed(r >= 2 ? 1 : 2)}×`;
}

export function formatRate(perS: number): string {
  if (perS >= 1000 && perS % 1000 === 0) return `${perS / 1000}k/s`;
  return `${formatCount(perS)}/s`;
}

/** A fixed-width text table: first `leftColumns` columns left-aligned, the rest right-aligned. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[], leftColumns = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A GitHub Markdown table; the first `leftColumns` columns left-aligned, the rest right-aligned. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], leftColumns = 1): string {
  const escape = (c: string): string => c.replace(/\|/g, '\\|');
  const align = header.map((_, i) => (i < leftColumns ? '---' : '---:'));
  return [header, align, ...rows].map((cells) => `| ${cells.map(escape).join(' | ')} |`).join('\n');
}
