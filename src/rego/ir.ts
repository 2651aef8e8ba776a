// The planner's intermediate representation, modelled on OPA's ir.Policy: functions made of
// nested blocks; a statement that cannot proceed (undefined value, failed test) ends the
// innermost enclosing block / not / scan iteration, and execution continues after it.

import type { InputPathTree } from './input-path-tree.ts';

export type ConstValue =
  | { readonly t: 'null' }
  | { readonly t: 'boolean'; readonly v: boolean }
  | { readonly t: 'number'; readonly v: number; readonly text: string }
  | { readonly t: 'string'; readonly v: string };

export type Operand = { readonly local: number } | { readonly const: number };

export type Stmt =
  /** target := fn(args); fails when the result is undefined (0) unless `mayBeUndefined`. */
  | { op: 'call'; fn: string; args: Operand[]; target: number | null; mayBeUndefined?: boolean }
  | { op: 'assign'; target: number; source: Operand }
  /**
   * target := rt_get(source, key) unless target already holds a value: the same constant-key ref
   * into input or data, looked up earlier in this function (they never change during an
   * evaluation). Fails when the value is undefined (looked up again next time: that is rare).
   */
  | { op: 'cachedGet'; target: number; source: Operand; key: Operand }
  /** Fails unless the operand is defined and not `false`. */
  | { op: 'truthy'; source: Operand }
  | { op: 'defined'; source: Operand }
  /** Fails when the operand is defined (the end of a negated block was reached). */
  | { op: 'failIfDefined'; source: Operand }
  /** target := undefined. */
  | { op: 'reset'; target: number }
  /** Fails unless fn(args) returns non-zero (an i32 test such as rt_equal). */
  | { op: 'test'; fn: string; args: Operand[]; negate?: boolean }
  /** Fails unless rt_compare(a, b) satisfies `cmp`. */
  | { op: 'compare'; cmp: 'lt' | 'lte' | 'gt' | 'gte'; a: Operand; b: Operand }
  /** Fails unless source is an array of exactly `length` items. */
  | { op: 'arrayOfLength'; source: Operand; length: number }
  | { op: 'objectOfLength'; source: Operand; length: number }
  | { op: 'block'; body: Stmt[] }
  | { op: 'scan'; source: Operand; key: number; value: number; body: Stmt[] }
  | { op: 'ifUndefined'; local: number; body: Stmt[] }
  /** target := source if target is unset; a different value aborts with `message`. Undefined source: no-op. */
  | { op: 'assignOnce'; target: number; source: Operand; message: number }
  /** Partial object insert; a second, different value for a key aborts with `message`. */
  | { op: 'objectInsertOnce'; object: number; key: Operand; value: Operand; message: number }
  /** Side-effecting runtime call without a result (set add, array push). */
  | { op: 'effect'; fn: string; args: Operand[] }
  | { op: 'memoReturn'; slot: number; result: number }
  /** Aborts evaluation with a message (the SDK throws it). */
  | { op: 'abort'; message: number }
  | { op: 'return'; source: Operand };

export interface IrFunction {
  readonly name: string;
  /** Parameters: input, data, then the Rego function's arguments. */
  readonly params: number;
  locals: number;
  readonly body: Stmt[];
  /** The local returned at the end (0 = undefined). */
  readonly result: number;
  /** Per-evaluation memo slot for rules without arguments. */
  readonly memoSlot: number | null;
}

export interface IrPolicy {
  readonly constants: ConstValue[];
  /** NUL-terminated messages (abort texts), by index. */
  readonly messages: string[];
  readonly functions: IrFunction[];
  /** Entrypoint path (`pkg/rule`) → function name. */
  readonly entrypoints: { readonly path: string; readonly fn: string }[];
  /** Host built-ins: name → id, called through opa_builtinN. */
  readonly hostBuiltins: Map<string, number>;
  readonly memoSlots: number;
  /** The parts of input the planned code can read (recorded in the module; see input-paths.ts). */
  readonly inputPaths: InputPathTree;
}

export function dumpIr(policy: IrPolicy): string {
  const lines: string[] = [];
  const op = (o: Operand): string => ('local' in o ? `%${o.local}` : `const#${o.const}(${JSON.stringify(constText(policy.constants[o.const]!))})`);
  const walk = (stmts: Stmt[], indent: string): void => {
    for (const s of stmts) {
      const { op: name, ...rest } = s as Stmt & Record<string, unknown>;
      const fields = Object.entries(rest)
        .filter(([k]) => k !== 'body')
        .map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.map((x) => (typeof x === 'object' ? op(x as Operand) : String(x))).join(', ')}]` : typeof v === 'object' && v !== null ? op(v as Operand) : String(v)}`)
        .join(' ');
      lines.push(`${indent}${name} ${fields}`);
      if ('body' in s) walk(s.body, indent + '  ');
    }
  };
  lines.push(`entrypoints: ${policy.entrypoints.map((e) => `${e.path} -> ${e.fn}`).join(', ')}`);
  lines.push(`host built-ins: ${[...policy.hostBuiltins].map(([n, i]) => `${n}=${i}`).join(', ') || '(none)'}`);
  for (const fn of policy.functions) {
    lines.push(`func ${fn.name}(params=${fn.params}, locals=${fn.locals}, memo=${fn.memoSlot ?? '-'}) -> %${fn.result}`);
    walk(fn.body, '  ');
  }
  return lines.join('\n') + '\n';
}

function constText(c: ConstValue): unknown {
  return c.t === 'null' ? null : c.v;
}
