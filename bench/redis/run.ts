/**
 * `npm run bench:redis -- [--count N] [--duration S] [--fractions 0.1,0.5] [--rates N,M] [--consumers 1,2,4]
 *  [--modes raw,transport,bus-redis,bus-in-process] [--quick] [--json]` — the Redis transport bench
 * (redis-bench.ts; `agentbus bench --transport redis` runs the same). Starts its own redis-server (AOF
 * everysec, like the tests) unless REDIS_URL is set.
 */
import { parseArgs } from 'node:util';
import { FULL, MODES, QUICK, runRedisBench, type Mode } from './redis-bench.ts';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string' },
    duration: { type: 'string' },
    fractions: { type: 'string' },
    rates: { type: 'string' },
    consumers: { type: 'string' },
    modes: { type: 'string' },
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

const numbers = (text: string) => text.split(',').map(Number);
const preset = args.quick ? QUICK : FULL;
try {
  const modes = args.modes === undefined ? preset.modes : (args.modes.split(',') as Mode[]);
  const unknown = modes.filter((m) => !MODES.includes(m));
  if (unknown.length > 0) throw new Error(`--modes: unknown ${unknown.join(', ')} (known: ${MODES.join(', ')})`);
  const report = await runRedisBench({
    count: args.count === undefined ? preset.count : Number(args.count),
    durationS: args.duration === undefined ? preset.durationS : Number(args.duration),
    fractions: args.fractions === undefined ? preset.fractions : numbers(args.fractions),
    ...(args.rates === undefined ? {} : { rates: numbers(args.rates) }),
    consumers: args.consumers === undefined ? preset.consumers : numbers(args.consumers),
    modes,
    log: args.json ? () => {} : (line) => console.log(line),
  });
  if (args.json) console.log(JSON.stringify(report, null, 2));
} catch (error) {
  console.error(error);
  process.exitCode = 1;
}
process.exit();
