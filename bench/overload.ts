/**
 * Overload: twice the maximum sustainable rate for 60 s (`--duration` to change). What must hold: the excess
 * is turned away with E_OVERLOADED (never queued without bound), peak RSS stays bounded, and 0 messages are
 * lost (every send settles). Prints the figures as JSON; exits 1 if a message was lost.
 *
 *   npm run overload                       # 2 × measured max, 60 s
 *   npm run overload -- --duration 5       # a short check
 *   npm run overload -- --rate 200000      # a fixed offered rate
 */
import { createAgentBus } from '../src/index.ts';
import { buildScenario, registerScenario } from './scenario.ts';
import { driveAtRate, measureMaxRate } from './reliability/rate-driver.ts';
import { parseReliabilityOptions } from './reliability/options.ts';

const MiB = 1024 * 1024;
const options = parseReliabilityOptions('overload', 60, 2);
const bus = await createAgentBus({ log: () => {}, ...(options.deliberation ? {} : { deliberation: false as const }), ...(options.workers ? { workers: options.workers } : {}) });
const scenario = buildScenario();
registerScenario(bus, scenario);

const maxRate = options.rate > 0 ? null : await measureMaxRate(bus, scenario.messages, options.calibrateS);
const rate = options.rate > 0 ? options.rate : Math.max(1, 2 * maxRate!);
process.stderr.write(`overload: max ${maxRate ?? 'not measured'} msgs/s, offering ${rate} msgs/s for ${options.durationS} s\n`);
const result = await driveAtRate(bus, scenario.messages, {
  ratePerS: rate,
  durationS: options.durationS,
  onProgress: (s, r) => process.stderr.write(`\r${s.toFixed(0)} s: sent ${r.sent}, settled ${r.settled}, RSS ${(process.memoryUsage.rss() / MiB).toFixed(0)} MiB   `),
});
process.stderr.write('\n');
const health = bus.health();
await bus.close();
const report = {
  maxRatePerS: maxRate,
  offeredPerS: rate,
  durationS: options.durationS,
  sent: result.sent,
  delivered: result.delivered,
  overloaded: result.byCode.E_OVERLOADED ?? 0,
  byCode: result.byCode,
  lost: result.lost,
  peakRssMiB: Math.round(result.peakRssBytes / MiB),
  restarts: health.restarts,
};
console.log(JSON.stringify(report, null, 2));
if ((result.byCode.E_OVERLOADED ?? 0) === 0) process.stderr.write('overload: no E_OVERLOADED — the offered rate did not exceed what the bus sustained; raise --rate\n');
if (result.lost > 0) process.exitCode = 1;
