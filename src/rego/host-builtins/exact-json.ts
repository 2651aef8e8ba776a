// Host built-in results reach the policy as JSON text the SDK writes with JSON.stringify, which
// prints a double beyond 2^53 by its shortest round-trip digits: 10 × 2^60 becomes
// 11529215046068470000, a different integer, and the runtime keeps a number's text as its exact
// value. A result holding such an integer (or a bigint, for integers no double holds) is written
// here with every digit instead, and handed to the SDK as the JSON text it accepts in place of a value.

/** An exact integer as a JSON-ready value: a number when a double holds it exactly, else a bigint. */
export function exactInteger(n: bigint): number | bigint {
  const x = Number(n);
  return Number.isSafeInteger(x) || BigInt(x) === n ? x : n;
}

const isBig = (x: number): boolean => Number.isInteger(x) && !Number.isSafeInteger(x);

function needsExactText(v: unknown, depth: number): boolean {
  if (typeof v === 'bigint') return true;
  if (typeof v === 'number') return isBig(v);
  if (v === null || typeof v !== 'object' || depth > 1000) return false;
  for (const x of Array.isArray(v) ? v : Object.values(v)) if (needsExactText(x, depth + 1)) return true;
  return false;
}

function write(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return isBig(v) && Number.isFinite(v) ? BigInt(v).toString() : JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : write(x))).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v)) if (x !== undefined) parts.push(`${JSON.stringify(k)}:${write(x)}`);
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The value as the SDK should load it: unchanged, or exact JSON text when it holds big integers. */
export function sdkValue(v: unknown): unknown {
  if (!needsExactText(v, 0)) return v;
  const bytes = new TextEncoder().encode(write(v));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}
