// Runs OPA's conformance cases (read in place from ../shared/opa-conformance and
// ../shared/opa-conformance-builtins) through the agentbus compiler and the official SDK, with the
// host built-ins the bus supplies. Shared by test/rego/conformance.test.ts and
// bench/conformance-report.ts (here, so that bench/ never imports test/).
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { join, resolve, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import YAML from 'yaml';
import { loadPolicySync } from '../../src/rego/sdk.ts';
import { compilePolicy } from '../../src/rego/build.ts';
import { RegoCompileError } from '../../src/rego/ast.ts';
import { describePolicyError } from '../../src/rego/describe-error.ts';
import { hostBuiltinImplementations } from '../../src/rego/host-builtins/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, '../..');
/** CI copies shared/ beside the clone; locally it sits beside the worktree. */
export const CORPUS_DIR = resolve(REPO_ROOT, '../shared/opa-conformance');
export const BUILTINS_CORPUS_DIR = resolve(REPO_ROOT, '../shared/opa-conformance-builtins');

/** The two corpora: each with its folder and the skip list the test checks it against. */
export const CORPORA = [
  { name: 'opa-conformance', dir: CORPUS_DIR, skipList: 'test/rego/skip-list.json' },
  { name: 'opa-conformance-builtins', dir: BUILTINS_CORPUS_DIR, skipList: 'test/rego/skip-list-builtins.json' },
] as const;

export interface ConformanceCase {
  readonly note: string;
  readonly file: string;
  readonly topic: string;
  readonly query: string;
  readonly modules?: string[];
  readonly data?: unknown;
  readonly input?: unknown;
  readonly input_term?: string;
  readonly want_result?: Record<string, unknown>[];
  readonly want_defined?: boolean;
  readonly return_code?: number;
  readonly want_error?: string;
  readonly want_error_code?: string;
  readonly sort_bindings?: boolean;
  readonly strict_error?: boolean;
}

export type Outcome =
  | { kind: 'pass' }
  | { kind: 'skip'; reason: string }
  | { kind: 'fail'; reason: string; wrongAnswer: boolean };

export function loadCorpus(dir = CORPUS_DIR): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) { if (name !== 'later') walk(p); continue; }
      if (!name.endsWith('.yaml') && !name.endsWith('.yml')) continue;
      const doc = YAML.parse(readFileSync(p, 'utf8')) as { cases?: Record<string, unknown>[] };
      const rel = relative(dir, p);
      for (const c of doc.cases ?? []) cases.push({ ...(c as object), file: rel, topic: rel.split('/')[0]! } as ConformanceCase);
    }
  };
  walk(dir);
  return cases;
}

/** Stable id of a case: its file and note. */
export function caseId(c: ConformanceCase): string {
  return `${c.file}#${c.note}`;
}

export function corpusAvailable(dir = CORPUS_DIR): boolean { return existsSync(dir); }

/** Built-ins OPA's own wasm test harness supplies; we supply them the same way. */
const CUSTOM_BUILTINS: Record<string, { arity: number; impl: (...args: unknown[]) => unknown }> = {
  custom_builtin_test: { arity: 1, impl: (x) => (x as number) + 1 },
  custom_builtin_test_impure: { arity: 0, impl: () => 'foo' },
  custom_builtin_test_memoization: { arity: 0, impl: () => 100 },
};

interface Plan { sources: { file: string; text: string }[]; entrypoint: string; vars: string[] | null; direct: boolean }

function planCase(c: ConformanceCase): Plan {
  const sources = (c.modules ?? []).map((text, i) => ({ file: `${c.file}#${c.note}/module${i}.rego`, text }));
  const q = c.query.trim();
  const direct = /^data((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*=\s*([A-Za-z_][A-Za-z0-9_]*)$/.exec(q);
  if (direct && direct[2] !== 'input' && direct[2] !== 'data' && c.want_result && c.want_result.every((r) => Object.keys(r).length === 1 && direct[2]! in r)) {
    return { sources, entrypoint: direct[1]!.slice(1).replace(/\./g, '/'), vars: [direct[2]!], direct: true };
  }
  const body = q.split('\n').join('\n  ');
  if (c.want_result) {
    const vars = [...new Set(c.want_result.flatMap((r) => Object.keys(r)))].sort();
    const head = vars.length === 0 ? '__q if' : `__q contains [${vars.join(', ')}] if`;
    sources.push({ file: `${c.file}#${c.note}/query.rego`, text: `package __conformance\n${head} {\n  ${body}\n}\n` });
    return { sources, entrypoint: '__conformance/__q', vars, direct: false };
  }
  sources.push({ file: `${c.file}#${c.note}/query.rego`, text: `package __conformance\n__q if {\n  ${body}\n}\n` });
  return { sources, entrypoint: '__conformance/__q', vars: null, direct: false };
}

function normalise(v: unknown, sort: boolean): unknown {
  if (Array.isArray(v)) {
    const items = v.map((x) => normalise(x, sort));
    return sort ? items.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) : items;
  }
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, normalise(x, sort)]));
  }
  return v;
}

/** Compiles a case. Throws the compile error, if any. */
export function compileCase(c: ConformanceCase): { wasm: Uint8Array; plan: Plan } {
  const plan = planCase(c);
  const hostBuiltins = Object.fromEntries(Object.entries(CUSTOM_BUILTINS).map(([k, v]) => [k, v.arity]));
  const { wasm } = compilePolicy(plan.sources, { entrypoints: [plan.entrypoint], hostBuiltins, strictBuiltinErrors: c.strict_error === true, queryPackages: ['__conformance'] });
  return { wasm, plan };
}

const RUNTIME_ERROR_CODES = new Set(['eval_conflict_error', 'eval_type_error', 'eval_builtin_error']);

const STRICT_SKIP = 'strict_error mode (built-in errors raise instead of undefined)';

export function runCase(c: ConformanceCase): Outcome {
  const outcome = runCaseOnce(c);
  // The compiler plans OPA's default (non-strict) mode, where a built-in error makes the call
  // undefined; a strict_error case passes when the error surfaces anyway (a host built-in of
  // OPA-built semantics, a conflict), and otherwise is outside what we run.
  if (c.strict_error && outcome.kind !== 'pass') return { kind: 'skip', reason: STRICT_SKIP };
  return outcome;
}

function runCaseOnce(c: ConformanceCase): Outcome {
  let input: unknown = c.input;
  if (c.input_term !== undefined) {
    try { input = JSON.parse(c.input_term); } catch { return { kind: 'skip', reason: 'input_term in Rego-only syntax (sets) cannot travel as JSON input' }; }
  }
  const wantsError = c.want_error !== undefined || c.want_error_code !== undefined;
  let compiled: { wasm: Uint8Array; plan: Plan };
  try {
    compiled = compileCase(c);
  } catch (err) {
    if (!(err instanceof RegoCompileError)) return { kind: 'fail', reason: `compiler crashed: ${(err as Error).message}`, wrongAnswer: false };
    // The check pass reports every error at once: the first names the case's problem.
    const message = err.message.split('\n')[0]!;
    const isUnsupported = /unsupported|not in the agentbus subset/.test(message);
    if (wantsError && !isUnsupported && !RUNTIME_ERROR_CODES.has(c.want_error_code ?? '')) return { kind: 'pass' };
    if (isUnsupported) return { kind: 'skip', reason: message.slice(message.indexOf(': ', message.search(/:\d+:\d+: /)) + 2) };
    return { kind: 'fail', reason: `compile error: ${message}`, wrongAnswer: false };
  }
  let result: unknown;
  try {
    const policy = loadPolicySync(new WebAssembly.Module(compiled.wasm as Uint8Array<ArrayBuffer>), undefined,
      { ...hostBuiltinImplementations, ...Object.fromEntries(Object.entries(CUSTOM_BUILTINS).map(([k, v]) => [k, v.impl])) });
    if (c.data !== undefined) policy.setData(c.data as object);
    result = policy.evaluate(input as object);
  } catch (err) {
    if (wantsError) return { kind: 'pass' };
    return { kind: 'fail', reason: `evaluation error: ${describePolicyError(err)}`, wrongAnswer: false };
  }
  if (wantsError) return { kind: 'fail', reason: `expected an error, got ${JSON.stringify(result)}`, wrongAnswer: true };
  const rs = result as { result: unknown }[];
  const defined = rs.length > 0 && !(compiled.plan.vars !== null && !compiled.plan.direct && Array.isArray(rs[0]!.result) && (rs[0]!.result as unknown[]).length === 0);
  if (c.want_defined !== undefined || c.return_code !== undefined) {
    const want = c.want_defined !== undefined ? Boolean(c.want_defined) : c.return_code === 1;
    const got = rs.length > 0;
    return got === want ? { kind: 'pass' } : { kind: 'fail', reason: `defined=${got}, want ${want}`, wrongAnswer: true };
  }
  const want = c.want_result ?? [];
  const sort = c.sort_bindings === true;
  let got: unknown;
  let expected: unknown;
  if (compiled.plan.direct) {
    const v = compiled.plan.vars![0]!;
    expected = want.length === 0 ? undefined : normalise(want[0]![v], sort);
    got = rs.length === 0 ? undefined : normalise(rs[0]!.result, sort);
    if (want.length > 1) return { kind: 'skip', reason: 'several result rows for a direct query' };
  } else {
    const vars = compiled.plan.vars ?? [];
    if (vars.length === 0) { expected = want.length > 0; got = defined; }
    else {
      expected = normalise(want.map((r) => vars.map((v) => r[v])), true);
      got = rs.length === 0 ? [] : normalise(rs[0]!.result, true);
    }
  }
  if (isDeepStrictEqual(got, expected)) return { kind: 'pass' };
  return { kind: 'fail', reason: `got ${JSON.stringify(got)}, want ${JSON.stringify(expected)}`, wrongAnswer: true };
}
