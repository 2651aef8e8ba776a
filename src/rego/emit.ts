// Emitter: IR → wasm functions linked into the prebuilt runtime with binaryen.js. The runtime's
// `policy.*` imports are replaced by generated functions; constants and messages go into a data
// segment below the runtime's statics (which start at 64 KiB).
import binaryen from 'binaryen';
import type { ConstValue, IrPolicy, Operand, Stmt } from './ir.ts';
import { addDataSegment } from './wasm-data.ts';
import { addInputPathsSection } from './input-paths.ts';
import { batchEntrypoint } from './batch-entrypoint.ts';

const CONST_BASE = 1024;
const CONST_LIMIT = 65536;

const T_NULL = 1, T_BOOL = 2, T_NUMBER = 3, T_STRING = 4;

class DataLayout {
  readonly bytes: number[] = [];
  private align(n: number): void { while ((CONST_BASE + this.bytes.length) % n !== 0) this.bytes.push(0); }
  private u32(v: number): void { this.bytes.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff); }
  private raw(b: Uint8Array): number { const at = CONST_BASE + this.bytes.length; for (const x of b) this.bytes.push(x); return at; }

  constant(c: ConstValue): number {
    if (c.t === 'string') {
      const text = new TextEncoder().encode(c.v);
      const textAt = this.raw(text);
      this.align(8);
      const at = CONST_BASE + this.bytes.length;
      this.u32(T_STRING); this.u32(text.length); this.u32(textAt);
      return at;
    }
    // An integer beyond 2^53 keeps its text, so that comparisons with numbers parsed from JSON
    // (which keep theirs) are exact, and arithmetic on it is refused (runtime/ops.ts).
    const bigText = c.t === 'number' && Number.isInteger(c.v) && !Number.isSafeInteger(c.v) && /^-?\d+$/.test(c.text) ? this.text(c.text) : null;
    this.align(8);
    const at = CONST_BASE + this.bytes.length;
    if (c.t === 'null') { this.u32(T_NULL); this.u32(0); }
    else if (c.t === 'boolean') { this.u32(T_BOOL); this.u32(c.v ? 1 : 0); }
    else {
      this.u32(T_NUMBER); this.u32(bigText?.length ?? 0);
      const f = new Uint8Array(new Float64Array([c.v]).buffer);
      for (const x of f) this.bytes.push(x);
      this.u32(bigText?.at ?? 0); this.u32(0);
    }
    return at;
  }
  /** A zeroed, writable u32 cell (static data the runtime may update, e.g. a lookup hint). */
  cell(): number { return this.words([0]); }
  /** u32 words, 4-aligned (tables the runtime reads, e.g. the key table). */
  words(values: readonly number[]): number {
    this.align(4);
    const at = CONST_BASE + this.bytes.length;
    for (const v of values) this.u32(v);
    return at;
  }
  cString(s: string): number {
    const at = this.raw(new TextEncoder().encode(s));
    this.bytes.push(0);
    return at;
  }
  text(s: string): { at: number; length: number } {
    const b = new TextEncoder().encode(s);
    return { at: this.raw(b), length: b.length };
  }
}

export interface EmitOptions {
  /** Run binaryen's optimiser over the generated functions (slower build, faster policy). */
  readonly optimize?: boolean;
}

export function emitPolicy(runtime: Uint8Array, policy: IrPolicy, options: EmitOptions = {}): Uint8Array {
  const mod = binaryen.readBinary(runtime);
  const F = binaryen.Features as unknown as Record<string, number>;
  mod.setFeatures((F.MVP ?? 0) | (F.BulkMemory ?? 0) | (F.BulkMemoryOpt ?? 0) | (F.MutableGlobals ?? 0) | (F.SignExt ?? 0) | (F.NontrappingFPToInt ?? 0));
  try {
    return link(mod, policy, options);
  } finally {
    mod.dispose();
  }
}

function link(mod: binaryen.Module, policy: IrPolicy, options: EmitOptions): Uint8Array {
  const i32 = binaryen.i32;
  // Runtime helpers by export name → internal name.
  const helpers = new Map<string, string>();
  const exportNames: string[] = [];
  for (let i = 0; i < mod.getNumExports(); i++) {
    const info = binaryen.getExportInfo(mod.getExportByIndex(i));
    if (info.kind === binaryen.ExternalFunction) helpers.set(info.name, info.value);
    if (info.name.startsWith('rt_')) exportNames.push(info.name);
  }
  const policyImports = new Map<string, string>();
  for (let i = 0; i < mod.getNumFunctions(); i++) {
    const info = binaryen.getFunctionInfo(mod.getFunctionByIndex(i));
    if (info.module === 'policy' && info.base) policyImports.set(info.base, info.name);
  }
  const helper = (name: string): string => {
    const h = helpers.get(name);
    if (!h) throw new Error(`internal: runtime helper ${name} missing`);
    return h;
  };

  const layout = new DataLayout();
  const constAddr = policy.constants.map((c) => (c.t === 'number' && c.text.startsWith('i32:') ? Number(c.text.slice(4)) : layout.constant(c)));
  const msgAddr = policy.messages.map((m) => layout.cString(m));
  const functionNames = new Set(policy.functions.map((f) => f.name));

  // A constant operand is the address of its value in the data segment, or a raw i32 immediate.
  const operand = (o: Operand): binaryen.ExpressionRef => ('local' in o ? mod.local.get(o.local, i32) : mod.i32.const(constAddr[o.const]!));

  const callee = (fn: string): string => (functionNames.has(fn) ? fn : helper(fn));

  // c[k]. A constant string key (the usual case) gets a hint cell of its own (see rt_get_hinted)
  // and goes into the key table, so that parsed objects hold it rather than a copy of its bytes.
  const lookupKeys = new Set<number>();
  const lookup = (c: Operand, k: Operand): binaryen.ExpressionRef => {
    if ('const' in k && policy.constants[k.const]!.t === 'string') {
      lookupKeys.add(k.const);
      return mod.call(helper('rt_get_hinted'), [operand(c), operand(k), mod.i32.const(layout.cell())], i32);
    }
    return mod.call(helper('rt_get'), [operand(c), operand(k)], i32);
  };

  for (const fn of policy.functions) {
    let extraLocals = 0;
    const newLocal = (): number => fn.locals + extraLocals++;
    let labelCounter = 0;
    const label = (p: string): string => `${p}${labelCounter++}`;

    const emitList = (stmts: Stmt[], fail: string): binaryen.ExpressionRef[] => stmts.flatMap((s) => emitStmt(s, fail));
    const failIf = (cond: binaryen.ExpressionRef, fail: string): binaryen.ExpressionRef => mod.br(fail, cond);

    const emitStmt = (s: Stmt, fail: string): binaryen.ExpressionRef[] => {
      switch (s.op) {
        case 'call': {
          const call = s.fn === 'rt_get' ? lookup(s.args[0]!, s.args[1]!) : mod.call(callee(s.fn), s.args.map(operand), i32);
          if (s.target === null) return [mod.drop(call)];
          const set = mod.local.set(s.target, call);
          if (s.mayBeUndefined) return [set];
          return [set, failIf(mod.i32.eqz(mod.local.get(s.target, i32)), fail)];
        }
        case 'assign': return [mod.local.set(s.target, operand(s.source))];
        case 'cachedGet': {
          const get = lookup(s.source, s.key);
          return [
            mod.if(mod.i32.eqz(mod.local.get(s.target, i32)), mod.local.set(s.target, get)),
            failIf(mod.i32.eqz(mod.local.get(s.target, i32)), fail),
          ];
        }
        case 'truthy': return [failIf(mod.i32.eqz(mod.call(helper('rt_truthy'), [operand(s.source)], i32)), fail)];
        case 'defined': return [failIf(mod.i32.eqz(operand(s.source)), fail)];
        case 'failIfDefined': return [failIf(operand(s.source), fail)];
        case 'reset': return [mod.local.set(s.target, mod.i32.const(0))];
        case 'test': {
          const call = mod.call(helper(s.fn), s.args.map(operand), i32);
          return [failIf(s.negate ? call : mod.i32.eqz(call), fail)];
        }
        case 'compare': {
          const c = mod.call(helper('rt_compare'), [operand(s.a), operand(s.b)], i32);
          const zero = mod.i32.const(0);
          const bad = s.cmp === 'lt' ? mod.i32.ge_s(c, zero) : s.cmp === 'lte' ? mod.i32.gt_s(c, zero) : s.cmp === 'gt' ? mod.i32.le_s(c, zero) : mod.i32.lt_s(c, zero);
          return [failIf(bad, fail)];
        }
        case 'arrayOfLength':
        case 'objectOfLength': {
          const h = s.op === 'arrayOfLength' ? 'rt_is_array_len' : 'rt_is_object_len';
          return [failIf(mod.i32.eqz(mod.call(helper(h), [operand(s.source), mod.i32.const(s.length)], i32)), fail)];
        }
        case 'block': {
          const l = label('b');
          return [mod.block(l, emitList(s.body, l))];
        }
        case 'scan': {
          const i = newLocal();
          const n = newLocal();
          const done = label('done');
          const loop = label('loop');
          const iter = label('it');
          const src = operand(s.source);
          return [
            mod.local.set(n, mod.call(helper('rt_len'), [src], i32)),
            mod.local.set(i, mod.i32.const(0)),
            mod.block(done, [
              mod.loop(loop, mod.block(null, [
                mod.br(done, mod.i32.ge_s(mod.local.get(i, i32), mod.local.get(n, i32))),
                mod.local.set(s.key, mod.call(helper('rt_iter_key'), [operand(s.source), mod.local.get(i, i32)], i32)),
                mod.local.set(s.value, mod.call(helper('rt_iter_value'), [operand(s.source), mod.local.get(i, i32)], i32)),
                mod.block(iter, emitList(s.body, iter)),
                mod.local.set(i, mod.i32.add(mod.local.get(i, i32), mod.i32.const(1))),
                mod.br(loop),
              ])),
            ]),
          ];
        }
        case 'ifUndefined': {
          const l = label('u');
          return [mod.if(mod.i32.eqz(mod.local.get(s.local, i32)), mod.block(l, emitList(s.body, l)))];
        }
        case 'assignOnce': {
          const src = operand(s.source);
          const t = s.target;
          return [mod.if(mod.i32.ne(src, mod.i32.const(0)),
            mod.if(mod.i32.eqz(mod.local.get(t, i32)),
              mod.local.set(t, operand(s.source)),
              mod.if(mod.i32.eqz(mod.call(helper('rt_equal'), [mod.local.get(t, i32), operand(s.source)], i32)),
                mod.call(helper('rt_abort'), [mod.i32.const(msgAddr[s.message]!)], binaryen.none))))];
        }
        case 'objectInsertOnce':
          return [mod.if(mod.call(helper('rt_object_put_once'), [mod.local.get(s.object, i32), operand(s.key), operand(s.value)], i32),
            mod.call(helper('rt_abort'), [mod.i32.const(msgAddr[s.message]!)], binaryen.none))];
        case 'effect': return [mod.call(helper(s.fn), s.args.map(operand), binaryen.none)];
        case 'memoReturn':
          return [
            mod.call(helper('rt_memo_set'), [mod.i32.const(s.slot), mod.select(mod.local.get(s.result, i32), mod.local.get(s.result, i32), mod.i32.const(1))], binaryen.none),
          ];
        case 'return': return [mod.return(operand(s.source))];
        case 'abort': return [mod.call(helper('rt_abort'), [mod.i32.const(msgAddr[s.message]!)], binaryen.none)];
      }
    };

    const top = label('top');
    const bodyExprs: binaryen.ExpressionRef[] = [];
    if (fn.memoSlot !== null) {
      // Memoised per evaluation: 0 = not computed, 1 = computed and undefined.
      const m = newLocal();
      bodyExprs.push(
        mod.local.set(m, mod.call(helper('rt_memo_get'), [mod.i32.const(fn.memoSlot)], i32)),
        mod.if(mod.local.get(m, i32), mod.return(mod.select(mod.i32.eq(mod.local.get(m, i32), mod.i32.const(1)), mod.i32.const(0), mod.local.get(m, i32)))),
      );
    }
    bodyExprs.push(mod.block(top, emitList(fn.body, top)));
    bodyExprs.push(mod.local.get(fn.result, i32));
    const params = binaryen.createType(new Array(fn.params).fill(i32));
    const vars = new Array(fn.locals - fn.params + extraLocals).fill(i32);
    mod.addFunction(fn.name, params, i32, vars, mod.block(null, bodyExprs, i32));
  }

  // eval_entrypoint(ep, input, data): dispatch by id; unknown ids abort as OPA does.
  const illegal = layout.cString('internal: illegal entrypoint id');
  const dispatch: binaryen.ExpressionRef[] = [mod.call(helper('rt_memo_init'), [mod.i32.const(policy.memoSlots)], binaryen.none)];
  policy.entrypoints.forEach((ep, id) => {
    dispatch.push(mod.if(mod.i32.eq(mod.local.get(0, i32), mod.i32.const(id)),
      mod.return(mod.call(ep.fn, [mod.local.get(1, i32), mod.local.get(2, i32)], i32))));
  });
  // Each entrypoint's batch twin (id + count): the entrypoint once per element of an input array
  // (rt_eval_each), for hosts that decide many inputs in one SDK call.
  const count = policy.entrypoints.length;
  policy.entrypoints.forEach((_ep, id) => {
    dispatch.push(mod.if(mod.i32.eq(mod.local.get(0, i32), mod.i32.const(count + id)),
      mod.return(mod.call(helper('rt_eval_each'), [mod.i32.const(id), mod.local.get(1, i32), mod.local.get(2, i32)], i32))));
  });
  dispatch.push(mod.call(helper('rt_abort'), [mod.i32.const(illegal)], binaryen.none), mod.i32.const(0));
  replaceImport(mod, policyImports, 'eval_entrypoint', binaryen.createType([i32, i32, i32]), mod.block(null, dispatch, i32));

  const jsonConst = (value: unknown): binaryen.ExpressionRef => {
    const t = layout.text(JSON.stringify(value));
    return mod.call(helper('opa_json_parse'), [mod.i32.const(t.at), mod.i32.const(t.length)], i32);
  };
  const keyTable = layout.words(keyTableWords([...lookupKeys].map((i) => ({ bytes: new TextEncoder().encode((policy.constants[i] as { v: string }).v), at: constAddr[i]! }))));
  replaceImport(mod, policyImports, 'key_table', binaryen.none, mod.i32.const(keyTable));
  replaceImport(mod, policyImports, 'entrypoints', binaryen.none, jsonConst(Object.fromEntries([
    ...policy.entrypoints.map((e, i) => [e.path, i]),
    ...policy.entrypoints.map((e, i) => [batchEntrypoint(e.path), count + i]),
  ])));
  replaceImport(mod, policyImports, 'builtins', binaryen.none, jsonConst(Object.fromEntries(policy.hostBuiltins)));

  for (const name of exportNames) mod.removeExport(name);
  if (CONST_BASE + layout.bytes.length > CONST_LIMIT) {
    throw new Error(`policy constants take ${layout.bytes.length} bytes, more than the ${CONST_LIMIT - CONST_BASE} the prebuilt runtime reserves`);
  }
  if (options.optimize) {
    binaryen.setOptimizeLevel(2);
    for (const fn of policy.functions) mod.optimizeFunction(fn.name);
  }
  if (!mod.validate()) throw new Error('internal: generated wasm does not validate');
  return addInputPathsSection(addDataSegment(mod.emitBinary(), CONST_BASE, Uint8Array.from(layout.bytes)), policy.inputPaths);
}

/** The runtime's key hash (src/rego/runtime/keys.ts): length, then first, last and middle byte. */
function keyHash(bytes: Uint8Array): number {
  const n = bytes.length;
  const FNV_PRIME = 0x01000193;
  let h = n;
  if (n > 0) {
    h = Math.imul(h ^ bytes[0]!, FNV_PRIME);
    h = Math.imul(h ^ bytes[n - 1]!, FNV_PRIME);
    h = Math.imul(h ^ bytes[n >> 1]!, FNV_PRIME);
  }
  return (h ^ (h >>> 16)) >>> 0;
}

/** [mask, slots...]: an open-addressing table (linear probing) of string constants by keyHash. */
function keyTableWords(keys: readonly { bytes: Uint8Array; at: number }[]): number[] {
  let size = 2;
  while (size < keys.length * 2) size *= 2;
  const slots = new Array<number>(size).fill(0);
  for (const key of keys) {
    let i = keyHash(key.bytes) & (size - 1);
    while (slots[i] !== 0) i = (i + 1) & (size - 1);
    slots[i] = key.at;
  }
  return [size - 1, ...slots];
}

function replaceImport(mod: binaryen.Module, imports: Map<string, string>, base: string, params: binaryen.Type, body: binaryen.ExpressionRef): void {
  const name = imports.get(base);
  if (!name) throw new Error(`internal: runtime import policy.${base} missing`);
  mod.removeFunction(name);
  mod.addFunction(name, params, binaryen.i32, [], body);
}

