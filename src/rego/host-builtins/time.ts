// time.* over nanoseconds since the epoch, as OPA (Go's time package) computes them: exact with
// BigInt inside, IANA zones through Node's Intl (full ICU). A timestamp returned reaches the
// policy with every digit (exact-json.ts); one passed in arrives through the SDK's JSON.parse, so
// beyond 2^53 ns it is read as the nearest double.
import { BuiltinError, type HostBuiltinTable } from './registry.ts';
import { exactInteger } from './exact-json.ts';

const NS_PER_MS = 1_000_000n;
const MIN_NS = -(2n ** 63n);
const MAX_NS = 2n ** 63n - 1n;
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function inRange(name: string, ns: bigint): bigint {
  if (ns < MIN_NS || ns > MAX_NS) throw new BuiltinError(name, 'time outside of valid range');
  return ns;
}

/** (ns, zone) from `ns` or `[ns, "Zone/Name"]`. */
function operand(name: string, v: unknown): { ns: bigint; zone: string } {
  let raw = v;
  let zone = 'UTC';
  if (Array.isArray(v)) {
    raw = v[0];
    if (typeof v[1] !== 'string') throw new BuiltinError(name, 'the timezone must be a string');
    zone = v[1] === '' ? 'UTC' : v[1] === 'Local' ? Intl.DateTimeFormat().resolvedOptions().timeZone : v[1];
  }
  if (typeof raw !== 'number' || !Number.isFinite(raw)) throw new BuiltinError(name, 'operand 1 must be a number');
  if (Math.abs(raw) >= 2 ** 63) throw new BuiltinError(name, 'timestamp too big');
  return { ns: BigInt(Math.trunc(raw)), zone };
}

interface Civil { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number }

const formatters = new Map<string, Intl.DateTimeFormat>();
function civil(name: string, ns: bigint, zone: string): Civil {
  const ms = Number((ns - (((ns % NS_PER_MS) + NS_PER_MS) % NS_PER_MS)) / NS_PER_MS);
  const date = new Date(ms);
  if (zone === 'UTC') {
    return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), hour: date.getUTCHours(), minute: date.getUTCMinutes(), second: date.getUTCSeconds(), weekday: date.getUTCDay() };
  }
  let f = formatters.get(zone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'long', era: 'short' });
    } catch {
      throw new BuiltinError(name, `unknown time zone ${zone}`);
    }
    formatters.set(zone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(date).map((p) => [p.type, p.value]));
  const year = Number(parts.year) * (parts.era === 'BC' ? -1 : 1) + (parts.era === 'BC' ? 1 : 0);
  return { year, month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour), minute: Number(parts.minute), second: Number(parts.second), weekday: WEEKDAYS.indexOf(parts.weekday ?? '') };
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

function parseRfc3339(name: string, v: unknown): number | bigint {
  if (typeof v !== 'string') throw new BuiltinError(name, 'operand 1 must be string');
  const m = RFC3339.exec(v);
  if (!m) throw new BuiltinError(name, `parsing time ${JSON.stringify(v)} as RFC3339 failed`);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) throw new BuiltinError(name, `parsing time ${JSON.stringify(v)}: out of range`);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  if (date.getUTCDate() !== day) throw new BuiltinError(name, `parsing time ${JSON.stringify(v)}: day out of range`);
  const offsetMinutes = m[8] ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  const fraction = BigInt((m[7] ?? '').padEnd(9, '0') || '0');
  const ns = BigInt(date.getTime() - offsetMinutes * 60_000) * NS_PER_MS + fraction;
  return exactInteger(inRange(name, ns));
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration. */
function parseDuration(name: string, v: unknown): number {
  if (typeof v !== 'string') throw new BuiltinError(name, 'operand 1 must be string');
  let s = v;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) { sign = s[0] === '-' ? -1 : 1; s = s.slice(1); }
  if (s === '0') return 0;
  if (s === '') throw new BuiltinError(name, `time: invalid duration ${JSON.stringify(v)}`);
  let total = 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  while (re.lastIndex < s.length) {
    const at = re.lastIndex;
    const m = re.exec(s);
    if (!m || m.index !== at) throw new BuiltinError(name, `time: invalid duration ${JSON.stringify(v)}`);
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
  }
  return sign * Math.round(total);
}

export const TIME_BUILTINS: HostBuiltinTable = {
  'time.parse_rfc3339_ns': { arity: 1, impl: (v: unknown) => parseRfc3339('time.parse_rfc3339_ns', v) },
  'time.parse_duration_ns': { arity: 1, impl: (v: unknown) => parseDuration('time.parse_duration_ns', v) },
  'time.date': { arity: 1, impl: (v: unknown) => { const { ns, zone } = operand('time.date', v); const c = civil('time.date', ns, zone); return [c.year, c.month, c.day]; } },
  'time.clock': { arity: 1, impl: (v: unknown) => { const { ns, zone } = operand('time.clock', v); const c = civil('time.clock', ns, zone); return [c.hour, c.minute, c.second]; } },
  'time.weekday': { arity: 1, impl: (v: unknown) => { const { ns, zone } = operand('time.weekday', v); return WEEKDAYS[civil('time.weekday', ns, zone).weekday]; } },
  'time.add_date': {
    arity: 4,
    impl: (v: unknown, years: unknown, months: unknown, days: unknown) => {
      const { ns } = operand('time.add_date', v);
      for (const [i, n] of [years, months, days].entries()) if (typeof n !== 'number' || !Number.isInteger(n)) throw new BuiltinError('time.add_date', `operand ${i + 2} must be an integer`);
      const within = ((ns % NS_PER_MS) + NS_PER_MS) % NS_PER_MS;
      const date = new Date(Number((ns - within) / NS_PER_MS));
      // Date.UTC normalises overflowing months and days as Go's AddDate does (Oct 31 + 1 month = Dec 1).
      const shifted = new Date(0);
      shifted.setUTCFullYear(date.getUTCFullYear() + (years as number), date.getUTCMonth() + (months as number), date.getUTCDate() + (days as number));
      shifted.setUTCHours(date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), date.getUTCMilliseconds());
      if (Number.isNaN(shifted.getTime())) throw new BuiltinError('time.add_date', 'time outside of valid range');
      return exactInteger(inRange('time.add_date', BigInt(shifted.getTime()) * NS_PER_MS + within));
    },
  },
};
