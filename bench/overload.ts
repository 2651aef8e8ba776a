/**
 * Overload: twice the maximum sustainable rate for 60 s (`--duration` to change). What must hold: the excess
 * is turned away with E_OVERLOADED (never queued without bound), peak RSS stays bounded, and 0 messages are
 * lost (every send settles). Prints the figures as JSON; exits 1 if a message was lost.
 *
 *   npm run overload                       # 2 × measured max, 60 s
 *   npm run overload -- --duration 5       # a short check
 *   npm run overload -- --rate 200000      # a fixed offered rate
 */
import { runReliabilityLoad } from './reliability/run-load.ts';

const { result, common } = await runReliabilityLoad('overload', 60, 2);
const report = { ...common, overloaded: result.byCode.E_OVERLOADED ?? 0 };
console.log(JSON.stringify(report, null, 2));
if ((result.byCode.E_OVERLOADED ?? 0) === 0) process.stderr.write('overload: no E_OVERLOADED — the offered rate did not exceed what the bus sustained; raise --rate\n');
if (result.lost > 0) process.exitCode = 1;
