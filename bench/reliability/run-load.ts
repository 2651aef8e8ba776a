import { createAgentBus } from '../../src/index.ts';
import { buildScenario, registerScenario } from '../scenario.ts';
import { parseReliabilityOptions, type ReliabilityBenchOptions } from './options.ts';
import { driveAtRate, measureMaxRate } from './rate-driver.ts';

const MiB = 1024 * 1024;

/**
 * The default bus (or its options from the command line) driven at `rateFactor` × its measured maximum (or
 * `--rate`) for `--duration` seconds, with progress on stderr: what the overload and soak benches share.
 */
export async function runReliabilityLoad(name: string, defaultDurationS: number, rateFactor: number) {
  const options: ReliabilityBenchOptions = parseReliabilityOptions(name, defaultDurationS, rateFactor);
  const bus = await createAgentBus({ log: () => {}, ...(options.deliberation ? {} : { deliberation: false as const }), ...(options.workers ? { workers: options.workers } : {}) });
  const scenario = buildScenario();
  registerScenario(bus, scenario);
  const maxRate = options.rate > 0 ? null : await measureMaxRate(bus, scenario.messages, options.calibrateS);
  const rate = options.rate > 0 ? options.rate : Math.max(1, Math.round(rateFactor * maxRate!));
  process.stderr.write(`${name}: max ${maxRate ?? 'not measured'} msgs/s, offering ${rate} msgs/s for ${options.durationS} s\n`);
  const result = await driveAtRate(bus, scenario.messages, {
    ratePerS: rate,
    durationS: options.durationS,
    onProgress: (s, r) => process.stderr.write(`\r${s.toFixed(0)} s: sent ${r.sent}, settled ${r.settled}, RSS ${(process.memoryUsage.rss() / MiB).toFixed(0)} MiB   `),
  });
  process.stderr.write('\n');
  const health = bus.health();
  await bus.close();
  return {
    options,
    result,
    common: {
      maxRatePerS: maxRate,
      offeredPerS: rate,
      durationS: options.durationS,
      deliberation: options.deliberation,
      sent: result.sent,
      /** What the driver achieved: below `offeredPerS` when the bus's drains slowed it. */
      sentPerS: Math.round(result.sent / result.sendingS),
      delivered: result.delivered,
      /** Judged per second of sending (delivered or rejected by a check), i.e. not turned away for load. */
      servedPerS: Math.round((result.settled - (result.byCode.E_OVERLOADED ?? 0) - (result.byCode.E_TIMEOUT ?? 0)) / result.sendingS),
      byCode: result.byCode,
      lost: result.lost,
      peakRssMiB: Math.round(result.peakRssBytes / MiB),
      restarts: health.restarts,
    },
  };
}
