// The runtime against the heap rules the SDK relies on (see research/opa-wasm.md §1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy } from '../../src/rego/build.ts';
import { loadPolicySync } from '../../src/rego/sdk.ts';

const { wasm } = compilePolicy([{ file: 'r.rego', text: 'package r\np := count(input.items)\nq := input\n' }], { entrypoints: ['r/p', 'r/q'] });
const module = new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>);

test('exports the ABI 1.3 surface and imports only what the SDK provides', () => {
  const exports = WebAssembly.Module.exports(module).map((e) => e.name).sort();
  for (const name of ['opa_eval', 'eval', 'builtins', 'entrypoints', 'opa_malloc', 'opa_free', 'opa_json_parse', 'opa_json_dump', 'opa_value_parse',
    'opa_value_dump', 'opa_heap_ptr_get', 'opa_heap_ptr_set', 'opa_value_add_path', 'opa_value_remove_path', 'opa_eval_ctx_new',
    'opa_eval_ctx_set_input', 'opa_eval_ctx_set_data', 'opa_eval_ctx_set_entrypoint', 'opa_eval_ctx_get_result', 'opa_value_free',
    'opa_heap_blocks_stash', 'opa_heap_blocks_restore', 'opa_heap_stash_clear', 'memory', 'opa_wasm_abi_version', 'opa_wasm_abi_minor_version']) {
    assert.ok(exports.includes(name), `missing export ${name}`);
  }
  assert.equal(exports.some((n) => n.startsWith('rt_')), false, 'runtime helpers stay internal');
  const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`).sort();
  assert.deepEqual(imports, ['env.memory', 'env.opa_abort', 'env.opa_builtin0', 'env.opa_builtin1', 'env.opa_builtin2', 'env.opa_builtin3', 'env.opa_builtin4']);
});

test('repeated large evaluations do not grow memory', () => {
  const policy = loadPolicySync(module);
  const items = Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `item-${i}` }));
  assert.deepEqual(policy.evaluate({ items }), [{ result: 20_000 }]);
  const pages = (policy as unknown as { mem: WebAssembly.Memory }).mem.buffer.byteLength;
  for (let i = 0; i < 20; i++) policy.evaluate({ items });
  assert.equal((policy as unknown as { mem: WebAssembly.Memory }).mem.buffer.byteLength, pages);
});

test('an unknown entrypoint id aborts; the legacy ctx path gives the same answer', () => {
  const policy = loadPolicySync(module);
  assert.throws(() => policy.evaluate({}, 7), /illegal entrypoint id/);
  (policy as unknown as { minorVersion: number }).minorVersion = 1;
  assert.deepEqual(policy.evaluate({ items: [1, 2] }, 'r/p'), [{ result: 2 }]);
  assert.deepEqual(policy.evaluate({ a: [1, { b: null }] }, 'r/q'), [{ result: { a: [1, { b: null }] } }]);
});

test('falsy inputs are no input (the SDK sends nothing): refs to input are undefined', () => {
  const policy = loadPolicySync(module);
  assert.deepEqual(policy.evaluate(0, 'r/q'), []);
});

/** Rego's order, written independently in JavaScript: null < boolean < number < string < array < object. */
function regoCompare(a: unknown, b: unknown): number {
  const rank = (v: unknown): number => (v === null ? 0 : typeof v === 'boolean' ? 1 : typeof v === 'number' ? 2 : typeof v === 'string' ? 3 : Array.isArray(v) ? 4 : 5);
  const ra = rank(a); const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0) return 0;
  if (ra === 1 || ra === 2) return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  if (ra === 3) return Buffer.compare(Buffer.from(a as string), Buffer.from(b as string));
  if (ra === 4) {
    const x = a as unknown[]; const y = b as unknown[];
    for (let i = 0; i < Math.min(x.length, y.length); i++) { const c = regoCompare(x[i], y[i]); if (c !== 0) return c; }
    return x.length - y.length;
  }
  const kx = Object.keys(a as object).sort((p, q) => Buffer.compare(Buffer.from(p), Buffer.from(q)));
  const ky = Object.keys(b as object).sort((p, q) => Buffer.compare(Buffer.from(p), Buffer.from(q)));
  for (let i = 0; i < Math.min(kx.length, ky.length); i++) {
    const c = regoCompare(kx[i], ky[i]) || regoCompare((a as Record<string, unknown>)[kx[i]!], (b as Record<string, unknown>)[ky[i]!]);
    if (c !== 0) return c;
  }
  return kx.length - ky.length;
}

test('property: JSON round-trips and sort() orders any JSON values exactly as Rego does', async () => {
  const fc = (await import('fast-check')).default;
  const { wasm: sorter } = compilePolicy([{ file: 's.rego', text: 'package s\nsorted := sort(input.xs)\nsame := input\n' }], { entrypoints: ['s/sorted', 's/same'] });
  const policy = loadPolicySync(new WebAssembly.Module(sorter as Uint8Array<ArrayBuffer>));
  const json = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
  fc.assert(fc.property(fc.array(json, { maxLength: 8 }), (xs) => {
    const input = { xs };
    assert.deepEqual(policy.evaluate(input, 's/same'), [{ result: input }]);
    const expected = [...xs].sort(regoCompare);
    const [{ result }] = policy.evaluate(input, 's/sorted') as [{ result: unknown[] }];
    assert.equal(result.length, expected.length);
    result.forEach((v, i) => assert.equal(regoCompare(v, expected[i]), 0));
  }), { numRuns: 300 });
});

test('property: glob.match with literal characters and stars agrees with a regular expression', async () => {
  const fc = (await import('fast-check')).default;
  const { wasm: globber } = compilePolicy([{ file: 'g.rego', text: 'package g\nm := glob.match(input.p, input.d, input.s)\n' }], { entrypoints: ['g/m'] });
  const policy = loadPolicySync(new WebAssembly.Module(globber as Uint8Array<ArrayBuffer>));
  // gobwas/glob: `**` matches anything, `*` anything without a delimiter; stars in a row are one.
  const reference = (p: string, delims: readonly string[], s: string): boolean => {
    const notDelim = delims.length === 0 ? '[^]' : `[^${delims.map((d) => d.replace(/[\\\]^-]/g, '\\$&')).join('')}]`;
    const source = p.split(/(\*+)/).map((part) => (part.startsWith('*') ? (part.length > 1 ? '[^]*' : `${notDelim}*`) : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
    return new RegExp(`^${source}$`, 'u').test(s);
  };
  const char = fc.constantFrom('a', 'b', '/', '.', 'é');
  const text = fc.array(char, { maxLength: 6 }).map((cs) => cs.join(''));
  const pattern = fc.array(fc.oneof(char, fc.constantFrom('*', '**')), { maxLength: 6 }).map((cs) => cs.join(''));
  fc.assert(fc.property(pattern, fc.constantFrom(['/'], ['.'], ['/', '.']), text, (p, d, s) => {
    assert.deepEqual(policy.evaluate({ p, d, s }), [{ result: reference(p, d, s) }], JSON.stringify({ p, d, s }));
  }), { numRuns: 1000 });
});

// Strings are scanned, compared and dumped eight bytes at a time: lengths around and beyond 8 with
// bytes that need escaping at any position exercise both the word steps and the byte tails.
test('property: strings of any length and content survive parsing, equality and dumping', async () => {
  const fc = (await import('fast-check')).default;
  const { wasm: strings } = compilePolicy([{ file: 'e.rego', text: 'package e\nsame := input\neq := input.a == input.b\n' }], { entrypoints: ['e/same', 'e/eq'] });
  const policy = loadPolicySync(new WebAssembly.Module(strings as Uint8Array<ArrayBuffer>));
  const char = fc.constantFrom('a', 'Z', ' ', '/', '"', '\\', '\n', '\t', '\u0001', '\u001f', '\u007f', 'é', '😀');
  const text = fc.array(char, { maxLength: 40 }).map((cs) => cs.join(''));
  fc.assert(fc.property(text, text, fc.boolean(), (a, other, same) => {
    const b = same ? a : other;
    const input = { a, b, nested: { [a]: [b, a] } };
    assert.deepEqual(policy.evaluate(input, 'e/same'), [{ result: input }]);
    assert.deepEqual(policy.evaluate(input, 'e/eq'), [{ result: a === b }]);
  }), { numRuns: 1000 });
});

test('property: a constant-key lookup finds its own key, never one of the same length that differs in one byte', async () => {
  const fc = (await import('fast-check')).default;
  const names = ['k', 'ab', 'abc', 'abcd', 'abcdefg', 'abcdefgh', 'abcdefghi', 'abcdefghijklmnop', 'abcdefghijklmnopq'];
  const { wasm: lookups } = compilePolicy([{ file: 'k.rego', text: `package k\n${names.map((n, i) => `v${i} := input.o.${n}`).join('\n')}\n` }], { entrypoints: names.map((_, i) => `k/v${i}`) });
  const policy = loadPolicySync(new WebAssembly.Module(lookups as Uint8Array<ArrayBuffer>));
  const name = fc.constantFrom(...names.map((n, i) => [n, i] as const));
  fc.assert(fc.property(name, fc.nat(), fc.constantFrom('X', 'b', '_'), fc.boolean(), ([n, i], at, ch, present) => {
    const position = at % n.length;
    const near = n.slice(0, position) + ch + n.slice(position + 1);
    const o: Record<string, unknown> = { [near]: 'near' };
    if (present) o[n] = 'exact';
    // Evaluated twice: the second lookup starts from the index the first one remembered.
    for (let k = 0; k < 2; k++) {
      assert.deepEqual(policy.evaluate({ o }, `k/v${i}`), near === n || present ? [{ result: present ? 'exact' : 'near' }] : []);
    }
  }), { numRuns: 1000 });
});

test('object keys the policy looks up are parsed into its own constants; other spellings still match', () => {
  const { wasm: keyed } = compilePolicy([{ file: 'k.rego', text: 'package k\nv := input.message\n' }], { entrypoints: ['k/v'] });
  const policy = loadPolicySync(new WebAssembly.Module(keyed as Uint8Array<ArrayBuffer>));
  const { exports, memory } = { exports: (policy as unknown as { wasmInstance: WebAssembly.Instance }).wasmInstance.exports as Record<string, (...a: number[]) => number>, memory: (policy as unknown as { mem: WebAssembly.Memory }).mem };
  // Heap used by parsing a document: an interned key needs no string record of its own. (A key
  // table built with another hash than the runtime's would make both documents cost the same.)
  const parseCost = (text: string): number => {
    const bytes = new TextEncoder().encode(text);
    const at = exports.opa_malloc!(bytes.length);
    new Uint8Array(memory.buffer).set(bytes, at);
    const before = exports.opa_heap_ptr_get!();
    assert.notEqual(exports.opa_json_parse!(at, bytes.length), 0);
    return exports.opa_heap_ptr_get!() - before;
  };
  assert.ok(parseCost('{"message":1}') < parseCost('{"massage":1}'));
  // An escaped spelling of the key is not interned and is found all the same.
  const evaluateText = (text: string): unknown => policy.evaluate(new TextEncoder().encode(text).buffer as ArrayBuffer);
  assert.deepEqual(evaluateText('{"mess\\u0061ge":5}'), [{ result: 5 }]);
  assert.deepEqual(evaluateText('{"message":6,"other":{"message":[1]}}'), [{ result: 6 }]);
  assert.deepEqual(policy.evaluate({ message: { message: 'x' } }), [{ result: { message: 'x' } }]);
});
