/**
 * Exact rationals over BigInt, for Real terms whose values a double cannot carry exactly. Always in lowest
 * terms with a positive denominator, so equality is componentwise.
 */
export interface Rational {
  readonly n: bigint;
  readonly d: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export function rational(n: bigint, d: bigint = 1n): Rational {
  if (d === 0n) throw new RangeError('rational with denominator 0');
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = gcd(n, d);
  return g > 1n ? { n: n / g, d: d / g } : { n, d };
}

/** Parses `p`, `p/q`, or a decimal (`-0.95`, `12.5`, and `-0.` as `smt-values` writes values below 1e-40) exactly. */
export function parseRational(text: string): Rational {
  const slash = text.indexOf('/');
  if (slash >= 0) return rational(BigInt(text.slice(0, slash)), BigInt(text.slice(slash + 1)));
  const match = /^(-?)(\d+)(?:\.(\d*))?$/.exec(text);
  if (match === null) throw new RangeError(`not a rational: ${JSON.stringify(text)}`);
  const decimals = match[3] ?? '';
  const n = BigInt(`${match[2]}${decimals}`);
  return rational(match[1] === '-' ? -n : n, 10n ** BigInt(decimals.length));
}

export const add = (a: Rational, b: Rational): Rational => rational(a.n * b.d + b.n * a.d, a.d * b.d);
export const sub = (a: Rational, b: Rational): Rational => rational(a.n * b.d - b.n * a.d, a.d * b.d);
export const mul = (a: Rational, b: Rational): Rational => rational(a.n * b.n, a.d * b.d);
export const div = (a: Rational, b: Rational): Rational => rational(a.n * b.d, a.d * b.n);
export const neg = (a: Rational): Rational => ({ n: -a.n, d: a.d });
/** Sign of a − b. */
export const compare = (a: Rational, b: Rational): number => {
  const diff = a.n * b.d - b.n * a.d;
  return diff < 0n ? -1 : diff > 0n ? 1 : 0;
};
/** The greatest integer ≤ a (SMT-LIB `to_int`). */
export function floor(a: Rational): bigint {
  const q = a.n / a.d; // truncates toward zero
  return a.n < 0n && q * a.d !== a.n ? q - 1n : q;
}

export function rationalText(a: Rational): string {
  return a.d === 1n ? a.n.toString() : `${a.n}/${a.d}`;
}
