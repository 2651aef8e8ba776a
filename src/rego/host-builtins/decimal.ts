// Exact decimal products for built-ins OPA computes with big.Float (units.*): `1.1K` is 1100, not
// the 1100.0000000000002 a double multiplication gives. The result is rounded to a double once
// (an integer result stays exact).
import { exactInteger } from './exact-json.ts';

/** mantissa × 10^exponent, exactly. */
export interface Decimal { readonly mantissa: bigint; readonly exponent: number }

/** Parses a signed decimal with an optional exponent (`12`, `-1.5`, `.5`, `2.5e3`); null when not a number. */
export function parseDecimal(text: string): Decimal | null {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const fraction = m[3] ?? '';
  const digits = BigInt((m[2] ?? '') + fraction || '0');
  return { mantissa: m[1] === '-' ? -digits : digits, exponent: Number(m[4] ?? '0') - fraction.length };
}

export function multiply(a: Decimal, b: Decimal): Decimal {
  return { mantissa: a.mantissa * b.mantissa, exponent: a.exponent + b.exponent };
}

export function integerDecimal(n: bigint): Decimal { return { mantissa: n, exponent: 0 }; }

/**
 * The nearest double (one rounding step, from the exact decimal text); an integer beyond 2^53
 * stays exact (a bigint when no double holds it: see exact-json.ts).
 */
export function toNumber(d: Decimal): number | bigint {
  if (d.exponent >= 0) return exactInteger(d.mantissa * 10n ** BigInt(d.exponent));
  const scale = 10n ** BigInt(-d.exponent);
  if (d.mantissa % scale === 0n) return exactInteger(d.mantissa / scale);
  return Number(`${d.mantissa}e${d.exponent}`);
}

/** The integer part (truncated toward zero), exactly. */
export function truncate(d: Decimal): number | bigint {
  if (d.exponent >= 0) return exactInteger(d.mantissa * 10n ** BigInt(d.exponent));
  return exactInteger(d.mantissa / 10n ** BigInt(-d.exponent));
}
