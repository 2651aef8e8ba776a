import type { DistributionPoint } from '../load/result.ts';

export interface ChartSeries {
  name: string;
  points: readonly DistributionPoint[];
}

export interface PercentileChart {
  title: string;
  subtitle?: string;
  series: readonly ChartSeries[];
}

const WIDTH = 760;
const HEIGHT = 440;
const MARGIN = { left: 70, right: 190, top: 56, bottom: 56 };
/** Colour-blind-safe (Okabe–Ito), one per peer in report order. */
const COLOURS = ['#0072B2', '#E69F00', '#D55E00', '#009E73', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];
/** The percentile axis ends at 99.999: beyond it is the maximum, drawn at the right edge. */
const NINES = 5;
const PERCENTILE_TICKS: readonly [number, string][] = [[0, '0'], [90, '90'], [99, '99'], [99.9, '99.9'], [99.99, '99.99'], [99.999, '99.999']];

/** Position on the "number of nines" axis: 0 → 0, 90 → 1, 99 → 2, …, capped at 99.999 → 5. */
export function ninesOf(percentile: number): number {
  if (percentile >= 100) return NINES;
  return Math.min(NINES, Math.log10(100 / (100 - percentile)));
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function latencyLabel(us: number): string {
  if (us >= 1e6) return `${us / 1e6} s`;
  if (us >= 1000) return `${us / 1000} ms`;
  return `${us} µs`;
}

/**
 * An HDR-style latency-by-percentile chart as a standalone SVG: the percentile axis is logarithmic in
 * "nines" (so the tail gets as much room as the median), the latency axis is logarithmic too (peers differ
 * by orders of magnitude), one line per series.
 */
export function percentileChartSvg(chart: PercentileChart): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const values = chart.series.flatMap((s) => s.points.map((p) => Math.max(1, p.micros)));
  const minExp = values.length === 0 ? 0 : Math.floor(Math.log10(Math.min(...values)));
  const maxExp = values.length === 0 ? 3 : Math.max(minExp + 1, Math.ceil(Math.log10(Math.max(...values))));
  const x = (percentile: number): number => MARGIN.left + (ninesOf(percentile) / NINES) * plotW;
  const y = (micros: number): number => MARGIN.top + plotH - ((Math.log10(Math.max(1, micros)) - minExp) / (maxExp - minExp)) * plotH;
  const fmt = (n: number): string => n.toFixed(1);

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, sans-serif" font-size="12">`);
  parts.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`);
  parts.push(`<text x="${MARGIN.left}" y="24" font-size="15" font-weight="bold">${escapeXml(chart.title)}</text>`);
  if (chart.subtitle) parts.push(`<text x="${MARGIN.left}" y="42" fill="#555555">${escapeXml(chart.subtitle)}</text>`);

  for (let e = minExp; e <= maxExp; e++) {
    const yy = fmt(y(10 ** e));
    parts.push(`<line x1="${MARGIN.left}" y1="${yy}" x2="${MARGIN.left + plotW}" y2="${yy}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${MARGIN.left - 8}" y="${yy}" text-anchor="end" dominant-baseline="middle">${escapeXml(latencyLabel(10 ** e))}</text>`);
  }
  for (const [percentile, label] of PERCENTILE_TICKS) {
    const xx = fmt(x(percentile));
    parts.push(`<line x1="${xx}" y1="${MARGIN.top}" x2="${xx}" y2="${MARGIN.top + plotH}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${xx}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${label}</text>`);
  }
  parts.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999999"/>`);
  parts.push(`<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 14}" text-anchor="middle">percentile</text>`);
  parts.push(`<text x="18" y="${MARGIN.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 18 ${MARGIN.top + plotH / 2})">latency from intended send time</text>`);

  chart.series.forEach((series, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const points = series.points.map((p) => `${fmt(x(p.percentile))},${fmt(y(p.micros))}`).join(' ');
    parts.push(`<polyline data-series="${escapeXml(series.name)}" fill="none" stroke="${colour}" stroke-width="2" points="${points}"/>`);
    const ly = MARGIN.top + 10 + i * 20;
    const lx = MARGIN.left + plotW + 16;
    parts.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${colour}" stroke-width="3"/>`);
    parts.push(`<text x="${lx + 28}" y="${ly}" dominant-baseline="middle">${escapeXml(series.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
