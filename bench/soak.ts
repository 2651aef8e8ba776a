/**
 * Soak: 80% of the maximum sustainable rate for 10 minutes (`--duration` to change); reports the RSS slope
 * (least squares over one sample a second, after the first tenth of the run as warm-up) and that 0 messages
 * were lost. Not for CI. Exits 1 if a message was lost.
 *
 *   npm run soak
 *   npm run soak -- --duration 10          # a short check
 */
import { createAgentBus } from '../src/index.ts';
import { buildScenario, registerScenario } from './scenario.ts';
import { driveAtRate, measureMaxRate, rssSlopeMiBPerMin } from './reliability/rate-driver.ts';
import { parseReliabilityOptions } from './reliability/options.ts';

const MiB = 1024 * 1024;
const options = parseReliabilityOptions('soak', 600, 0.8);
const bus = await createAgentBus({ log: () => {}, ...(options.deliberation ? {} : { deliberation: false as const }), ...(options.workers ? { workers: options.workers } : {}) });
const scenario = buildScenario();
registerScenario(bus, scenario);

const maxRate = options.rate > 0 ? null : await measureMaxRate(bus, scenario.messages, options.calibrateS);
const rate = options.rate > 0 ? options.rate : Math.max(1, Math.round(0.8 * maxRate!));
process.stderr.write(`soak: max ${maxRate ?? 'not measured'} msgs/s, offering ${rate} msgs/s for ${options.durationS} s\n`);
const result = await driveAtRate(bus, scenario.messages, {
  ratePerS: rate,
  durationS: options.durationS,
  onProgress: (s, r) => process.stderr.write(`\r${s.toFixed(0)} s: sent ${r.sent}, settled ${r.settled}, RSS ${(process.memoryUsage.rss() / MiB).toFixed(0)} MiB   `),
});
process.stderr.write('\n');
const health = bus.health();
await bus.close();
const warm = result.rssSamples.filter(([s]) => s >= options.durationS / 10);
const report = {
  maxRatePerS: maxRate,
  offeredPerS: rate,
  durationS: options.durationS,
  sent: result.sent,
  delivered: result.delivered,
  byCode: result.byCode,
  lost: result.lost,
  peakRssMiB: Math.round(result.peakRssBytes / MiB),
  rssSlopeMiBPerMin: Number(rssSlopeMiBPerMin(warm).toFixed(3)),
  rssSamples: warm.length,
  restarts: health.restarts,
};
console.log(JSON.stringify(report, null, 2));
if (result.lost > 0) process.exitCode = 1;
