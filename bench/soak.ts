/**
 * Soak: 80% of the maximum sustainable rate for 10 minutes (`--duration` to change); reports the RSS slope
 * (least squares over one sample a second, after the first tenth of the run as warm-up) and that 0 messages
 * were lost. Not for CI. Exits 1 if a message was lost.
 *
 *   npm run soak
 *   npm run soak -- --duration 10          # a short check
 */
import { rssSlopeMiBPerMin } from './reliability/rate-driver.ts';
import { runReliabilityLoad } from './reliability/run-load.ts';

const { options, result, common } = await runReliabilityLoad('soak', 600, 0.8);
const warm = result.rssSamples.filter(([s]) => s >= options.durationS / 10);
const report = { ...common, rssSlopeMiBPerMin: Number(rssSlopeMiBPerMin(warm).toFixed(3)), rssSamples: warm.length };
console.log(JSON.stringify(report, null, 2));
if (result.lost > 0) process.exitCode = 1;
