import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planPolicy, dumpIr, compilePolicy } from '../../src/rego/build.ts';
import { loadPolicySync } from '../../src/rego/sdk.ts';
import { RegoCompileError } from '../../src/rego/ast.ts';

test('the IR of a rule: memoised function, scan for iteration, conflict check on assignment', () => {
  const ir = planPolicy([{ file: 'p.rego', text: 'package t\np := x if { some x in input.xs; x > 1 }\n' }], ['t/p']);
  const text = dumpIr(ir);
  assert.match(text, /entrypoints: t\/p -> entry_0/);
  assert.match(text, /func rule_t_p_\d+\(params=2, locals=\d+, memo=0\)/);
  assert.match(text, /scan source=%\d+/);
  assert.match(text, /compare cmp=gt/);
  assert.match(text, /assignOnce/);
  assert.equal(ir.messages.some((m) => m.startsWith('p.rego:2:1: eval_conflict_error')), true);
});

test('host built-ins get ids for the builtins() map; unknown functions are compile errors', () => {
  const ir = planPolicy([{ file: 'p.rego', text: 'package t\np := sprintf("%d", [input.n])\nq := time.now_ns()\n' }], ['t/p', 't/q']);
  assert.deepEqual([...ir.hostBuiltins], [['sprintf', 0], ['time.now_ns', 1]]);
  assert.throws(() => planPolicy([{ file: 'p.rego', text: 'package t\np := http.send({})\n' }], ['t/p']), (err: unknown) =>
    err instanceof RegoCompileError && /^p\.rego:2:6: rego_type_error: undefined function http\.send/.test(err.message));
});

test('recursion is rejected at compile time', () => {
  assert.throws(() => planPolicy([{ file: 'p.rego', text: 'package t\np if q\nq if p\n' }], ['t/p']), /rego_recursion_error/);
});

test('an entrypoint that names nothing is an error', () => {
  assert.throws(() => planPolicy([{ file: 'p.rego', text: 'package t\np := 1\n' }], ['t/nope']), /entrypoint t\/nope does not name a rule or package/);
});

test('refs with constant keys into input and base data are looked up once per function', () => {
  const text = 'package t\ndeny contains "a" if input.m.x == data.cfg.lim\ndeny contains "b" if input.m.y == data.cfg.lim\ndeny contains "c" if input.m.x == input.m.y\n';
  const fn = planPolicy([{ file: 'p.rego', text }], ['t/deny']).functions.find((f) => f.name.startsWith('rule_t_deny'))!;
  const gets: { target: number; key: number }[] = [];
  const walk = (stmts: typeof fn.body): void => {
    for (const s of stmts) {
      if (s.op === 'cachedGet') gets.push({ target: s.target, key: 'const' in s.key ? s.key.const : -1 });
      if ('body' in s) walk(s.body);
    }
  };
  walk(fn.body);
  // input.m, input.m.x, input.m.y, data.cfg, data.cfg.lim: five cache locals, each for one path.
  assert.equal(new Set(gets.map((g) => g.target)).size, 5);
  assert.equal(gets.length, 12);
});

test('the whole `data` document: base data merged with every package, query packages left out, a rule inside it is recursive', () => {
  const sources = [
    { file: 'x.rego', text: 'package x.y\np := 1\nq := 2 if { false }\ns contains "e"\n' },
    { file: 'q.rego', text: 'package query\nall := data\n' },
  ];
  const { wasm } = compilePolicy(sources, { entrypoints: ['query/all'], queryPackages: ['query'] });
  const policy = loadPolicySync(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>));
  policy.setData({ base: { k: 1 } });
  assert.deepEqual((policy.evaluate({}) as { result: unknown }[])[0]!.result, { base: { k: 1 }, x: { y: { p: 1, s: ['e'] } } });
  assert.throws(() => compilePolicy(sources, { entrypoints: ['query/all'] }), /rego_recursion_error: rule data\.query\.all is recursive/);
});
