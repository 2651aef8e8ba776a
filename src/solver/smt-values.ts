import type { BindingValue, SortName } from './policy.ts';

/**
 * Conversions between JSON binding values and the two text forms Z3 takes: the numeral string of
 * `Z3_mk_numeral` (hot path) and SMT-LIB term syntax (parameters in template scripts).
 */

const TWO_64 = 1n << 64n;

/** Exact decimal text of a finite double as a person wrote it: 0.95 stays "0.95" (toFixed would give 0.9499…). */
function decimalText(value: number): string {
  const text = String(value);
  if (!/e/i.test(text)) return text;
  // Exponent form only for very large or tiny numbers; expand exactly through BigInt where it is an integer.
  if (Number.isInteger(value)) return BigInt(value).toString();
  return value.toFixed(40).replace(/0+$/, '');
}

/**
 * The numeral string for a binding value, or an error message when the value does not fit the sort.
 * Int accepts safe integers and decimal strings; BitVec64 accepts non-negative integers and decimal or 0x-hex
 * strings below 2^64; Real accepts finite numbers; Bool accepts booleans.
 */
export function numeralText(sort: SortName, value: BindingValue): string | { error: string } {
  switch (sort) {
    case 'Bool':
      return typeof value === 'boolean' ? String(value) : { error: `expected a boolean, got ${JSON.stringify(value)}` };
    case 'Real':
      return typeof value === 'number' && Number.isFinite(value) ? decimalText(value) : { error: `expected a finite number, got ${JSON.stringify(value)}` };
    case 'Int':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
      if (typeof value === 'string' && /^-?\d{1,40}$/.test(value)) return BigInt(value).toString();
      return { error: `expected an integer, got ${JSON.stringify(value)}` };
    case 'BitVec64': {
      let big: bigint | undefined;
      if (typeof value === 'number' && Number.isSafeInteger(value)) big = BigInt(value);
      else if (typeof value === 'string' && /^(\d{1,20}|0x[0-9a-fA-F]{1,16})$/.test(value)) big = BigInt(value);
      if (big === undefined || big < 0n || big >= TWO_64) return { error: `expected a 64-bit mask (integer or 0x-hex), got ${JSON.stringify(value)}` };
      return big.toString();
    }
  }
}

/** SMT-LIB term syntax for a value (negative numbers as `(- n)`, bit vectors as `(_ bvN 64)`). */
export function smtTerm(sort: SortName, value: BindingValue): string {
  const text = numeralText(sort, value);
  if (typeof text !== 'string') throw new RangeError(text.error);
  if (sort === 'BitVec64') return `(_ bv${text} 64)`;
  if (sort === 'Real' && !text.includes('.')) return text.startsWith('-') ? `(- ${text.slice(1)}.0)` : `${text}.0`;
  return text.startsWith('-') ? `(- ${text.slice(1)})` : text;
}

export function smtSort(sort: SortName): string {
  return sort === 'BitVec64' ? '(_ BitVec 64)' : sort;
}
