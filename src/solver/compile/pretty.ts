import type { IrNode } from './ir.ts';
import { parseRational } from './rational.ts';

/**
 * IR as SMT-LIB text, the language templates are written in, so an operator can read an eliminated form next
 * to the constraints it came from. Shared sub-terms are printed where they occur (the forms are small).
 */

function constantText(node: IrNode): string {
  const value = node.value ?? '';
  if (node.sort === 'Bool') return value;
  if (node.sort === 'BitVec64') return `#x${BigInt(value).toString(16).padStart(16, '0')}`;
  if (node.sort === 'Real') {
    const q = parseRational(value);
    const n = q.n < 0n ? -q.n : q.n;
    const body = q.d === 1n ? `${n}.0` : decimal(n, q.d) ?? `(/ ${n}.0 ${q.d}.0)`;
    return q.n < 0n ? `(- ${body})` : body;
  }
  return value.startsWith('-') ? `(- ${value.slice(1)})` : value;
}

/** n/d as a finite decimal when d has no prime factor but 2 and 5 (0.95 rather than 19/20). */
function decimal(n: bigint, d: bigint): string | undefined {
  let digits = 0;
  let scale = 1n;
  while (scale % d !== 0n && digits < 40) {
    digits++;
    scale *= 10n;
  }
  if (scale % d !== 0n) return undefined;
  const scaled = (n * scale) / d;
  const text = scaled.toString().padStart(digits + 1, '0');
  return `${text.slice(0, text.length - digits)}.${text.slice(text.length - digits)}`;
}

export function prettyTerm(nodes: readonly IrNode[], root: number): string {
  const node = nodes[root];
  if (node === undefined) return '?';
  if (node.op === 'const') return constantText(node);
  if (node.op === 'var') return node.name ?? '?';
  const op = node.op === 'neg' ? '-' : node.op === 'div' && node.sort === 'Real' ? '/' : node.op;
  return `(${op} ${(node.args ?? []).map((i) => prettyTerm(nodes, i)).join(' ')})`;
}
