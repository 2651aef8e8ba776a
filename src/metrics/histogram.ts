import * as hdr from 'hdr-histogram-js';

export interface PercentileSummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

// hdr-histogram-js's WebAssembly build records a value in ~35–45 ns here, its JS build in 130–230 ns (it
// computes bucket indexes with Math.log2 and Math.pow); the main thread records up to three values per
// message, so this was 7–10% of its time. The module is small and bundled in the package: compiling it
// synchronously once costs well under a millisecond.
hdr.initWebAssemblySync();

// A histogram lives in the wasm module's memory until destroyed; it is destroyed when its owner is collected
// (never earlier: `bus.metrics()` stays readable after `close()`).
const unreleased = new FinalizationRegistry<hdr.Histogram>((histogram) => histogram.destroy());

/**
 * A latency histogram in microseconds (HDR: 3 significant digits, 1 µs to 10 min). Recording is a few
 * tens of nanoseconds and allocation-free, so every message is recorded — no sampling.
 */
export class LatencyHistogram {
  private readonly histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: true,
  });

  constructor() {
    unreleased.register(this, this.histogram);
  }

  record(micros: number): void {
    // HDR stores integers; clamp rather than throw on the (impossible in practice) out-of-range value.
    const value = micros < 1 ? 1 : micros > 600_000_000 ? 600_000_000 : Math.round(micros);
    this.histogram.recordValue(value);
  }

  /** Records a value that stands for `count` observations (e.g. open-loop coordinated-omission correction). */
  recordMany(micros: number, count: number): void {
    const value = micros < 1 ? 1 : micros > 600_000_000 ? 600_000_000 : Math.round(micros);
    this.histogram.recordValueWithCount(value, count);
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  percentile(p: number): number {
    return this.histogram.getValueAtPercentile(p);
  }

  summary(): PercentileSummary {
    const h = this.histogram;
    return {
      count: h.totalCount,
      p50: h.getValueAtPercentile(50),
      p90: h.getValueAtPercentile(90),
      p99: h.getValueAtPercentile(99),
      p999: h.getValueAtPercentile(99.9),
      max: h.maxValue,
      mean: h.totalCount === 0 ? 0 : Math.round(h.mean * 10) / 10,
    };
  }

  /** (percentile, value) pairs for a percentile-distribution chart. */
  distribution(percentiles: readonly number[]): { percentile: number; micros: number }[] {
    return percentiles.map((percentile) => ({ percentile, micros: this.histogram.getValueAtPercentile(percentile) }));
  }

  reset(): void {
    this.histogram.reset();
  }
}
