// units.parse and units.parse_bytes as OPA defines them (topdown/parse_units.go, parse_bytes.go):
// quotes are dropped, spaces refused, the amount is digits and dots, the unit a decimal (k, M, G…)
// or binary (Ki, Mi…) multiplier; parse_bytes truncates to an integer.
import { BuiltinError, type HostBuiltinTable } from './registry.ts';
import { integerDecimal, multiply, parseDecimal, toNumber, truncate, type Decimal } from './decimal.ts';

const POW = (base: bigint, n: number): Decimal => integerDecimal(base ** BigInt(n));
const MILLI: Decimal = { mantissa: 1n, exponent: -3 };

/** units.parse: case matters only in the first letter (m is milli, M is mega). */
const UNITS: Readonly<Record<string, Decimal>> = {
  '': POW(1000n, 0), m: MILLI,
  k: POW(1000n, 1), K: POW(1000n, 1), ki: POW(1024n, 1), Ki: POW(1024n, 1),
  M: POW(1000n, 2), mi: POW(1024n, 2), Mi: POW(1024n, 2),
  g: POW(1000n, 3), G: POW(1000n, 3), gi: POW(1024n, 3), Gi: POW(1024n, 3),
  t: POW(1000n, 4), T: POW(1000n, 4), ti: POW(1024n, 4), Ti: POW(1024n, 4),
  p: POW(1000n, 5), P: POW(1000n, 5), pi: POW(1024n, 5), Pi: POW(1024n, 5),
  e: POW(1000n, 6), E: POW(1000n, 6), ei: POW(1024n, 6), Ei: POW(1024n, 6),
};

/** units.parse_bytes: lower-cased; `kb`/`k`, `kib`/`ki`, … */
const BYTE_UNITS: Readonly<Record<string, Decimal>> = {
  '': POW(1000n, 0),
  kb: POW(1000n, 1), k: POW(1000n, 1), kib: POW(1024n, 1), ki: POW(1024n, 1),
  mb: POW(1000n, 2), m: POW(1000n, 2), mib: POW(1024n, 2), mi: POW(1024n, 2),
  gb: POW(1000n, 3), g: POW(1000n, 3), gib: POW(1024n, 3), gi: POW(1024n, 3),
  tb: POW(1000n, 4), t: POW(1000n, 4), tib: POW(1024n, 4), ti: POW(1024n, 4),
  pb: POW(1000n, 5), p: POW(1000n, 5), pib: POW(1024n, 5), pi: POW(1024n, 5),
  eb: POW(1000n, 6), e: POW(1000n, 6), eib: POW(1024n, 6), ei: POW(1024n, 6),
};

function split(name: string, raw: unknown): { amount: string; unit: string } {
  if (typeof raw !== 'string') throw new BuiltinError(name, 'operand 1 must be string');
  const s = raw.replaceAll('"', '');
  if (s.includes(' ')) throw new BuiltinError(name, 'spaces not allowed in resource strings');
  // The amount: a signed decimal with an optional exponent (`2.5e3K`: 2.5e3 of K, `1E`: one exa).
  const amount = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(s)?.[0] ?? '';
  if (amount === '' || amount === '+' || amount === '-') throw new BuiltinError(name, name === 'units.parse' ? 'no amount provided' : 'no byte amount provided');
  return { amount, unit: s.slice(amount.length) };
}

function parseUnits(raw: unknown): number | bigint {
  const { amount, unit } = split('units.parse', raw);
  const normalised = unit.length > 1 ? unit[0]! + unit.slice(1).toLowerCase() : unit;
  const multiplier = UNITS[normalised];
  if (multiplier === undefined) throw new BuiltinError('units.parse', `unit ${JSON.stringify(unit)} not recognized`);
  const value = parseDecimal(amount);
  if (value === null) throw new BuiltinError('units.parse', 'could not parse amount to a number');
  return toNumber(multiply(value, multiplier));
}

function parseBytes(raw: unknown): number | bigint {
  const { amount, unit } = split('units.parse_bytes', typeof raw === 'string' ? raw.toLowerCase() : raw);
  const multiplier = BYTE_UNITS[unit];
  if (multiplier === undefined) throw new BuiltinError('units.parse_bytes', `byte unit ${JSON.stringify(unit)} not recognized`);
  const value = parseDecimal(amount);
  if (value === null) throw new BuiltinError('units.parse_bytes', 'could not parse byte amount to a number');
  return truncate(multiply(value, multiplier));
}

export const UNITS_BUILTINS: HostBuiltinTable = {
  'units.parse': { arity: 1, impl: parseUnits },
  'units.parse_bytes': { arity: 1, impl: parseBytes },
};
