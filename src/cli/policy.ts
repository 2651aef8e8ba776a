// `agentbus policy build|eval`: compile a directory of Rego into an OPA bundle, and evaluate a
// bundle, a .wasm module or a directory against an input file. Errors name file:line:col.
import { readFileSync, writeFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { RegoCompileError } from '../rego/ast.ts';
import { buildBundle, writeBundle, loadPolicySource, readPolicyDirectory, DEFAULT_ENTRYPOINT } from '../rego/bundle.ts';
import { planPolicy, dumpIr } from '../rego/build.ts';
import { interpretResultSet } from '../pipeline/policy.ts';
import { loadPolicySync } from '../rego/sdk.ts';
import { describePolicyError } from '../rego/describe-error.ts';
import { hostBuiltinImplementations } from '../rego/host-builtins/index.ts';
import { loadRuntimeWasm } from '../rego/runtime.ts';
import { writeJson } from './conventions.ts';
import { EXIT_ERROR, EXIT_NEGATIVE } from './exit-codes.ts';
import { createProgress } from './progress.ts';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function describeError(err: unknown): string {
  if (err instanceof RegoCompileError) return `error: ${err.message}`;
  return `error: ${describePolicyError(err)}`;
}

export interface PolicyBuildOptions { entrypoint: string[]; output: string; dumpIr: boolean; optimize: boolean; revision?: string; json?: boolean }

/** What `policy build --json` prints. */
export interface PolicyBuildReport { output: string; wasmBytes: number; entrypoints: string[]; revision: string; ms: number; ir?: string }

/** Builds the bundle; throws on failure (the command turns that into exit code 1). */
export function buildPolicyBundle(dir: string, options: PolicyBuildOptions): PolicyBuildReport {
  const entrypoints = options.entrypoint.length > 0 ? options.entrypoint : [DEFAULT_ENTRYPOINT];
  // The first build in a checkout compiles the runtime (seconds): worth a progress bar on a terminal.
  const progress = createProgress(2, { json: options.json === true });
  try {
    progress.update(0, 'loading the Rego runtime');
    loadRuntimeWasm();
    progress.update(1, `compiling ${dir}`);
    const ir = options.dumpIr ? dumpIr(planPolicy(readPolicyDirectory(dir).sources, entrypoints)) : undefined;
    const started = performance.now();
    const bundle = buildBundle(dir, entrypoints, { optimize: options.optimize, ...(options.revision ? { revision: options.revision } : {}) });
    writeBundle(options.output, bundle);
    progress.update(2, 'written');
    const ms = Math.round(performance.now() - started);
    return { output: options.output, wasmBytes: bundle.wasm.length, entrypoints, revision: bundle.manifest.revision, ms, ...(ir === undefined ? {} : { ir }) };
  } finally {
    progress.stop();
  }
}

/** Returns the lines to print; throws on failure (the command turns that into exit code 1). */
export function runPolicyBuild(dir: string, options: PolicyBuildOptions): string[] {
  const report = buildPolicyBundle(dir, options);
  const lines = report.ir === undefined ? [] : [report.ir];
  lines.push(`built ${report.output}: ${report.wasmBytes} B wasm, entrypoints ${report.entrypoints.join(', ')}, revision ${report.revision} (${report.ms} ms)`);
  return lines;
}

export interface PolicyEvalOptions {
  input: string; entrypoint: string[]; data?: string; raw: boolean;
  /** Exit 1 when the result is undefined (as `opa eval --fail`). */
  fail?: boolean;
  /** Exit 1 when the result is defined (as `opa eval --fail-defined`). */
  failDefined?: boolean;
  json?: boolean;
}

/** What `policy eval` prints and its exit status, as `opa eval`: 0 a result, 1 --fail/--fail-defined tripped (an error, 2, throws). */
export interface PolicyEvalOutcome { readonly result: unknown; readonly lines: string[]; readonly exitCode: number }

export function runPolicyEvalCommand(source: string, options: PolicyEvalOptions): PolicyEvalOutcome {
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(options.input, 'utf8'));
  } catch (err) {
    throw new Error(`${options.input}: ${(err as Error).message}`);
  }
  const isDir = statSync(source).isDirectory();
  const policy = loadPolicySource(source, isDir && options.entrypoint.length > 0 ? { entrypoints: options.entrypoint } : {});
  const data = options.data ? JSON.parse(readFileSync(options.data, 'utf8')) : policy.data;
  const entrypoint = options.entrypoint[0] ?? policy.entrypoints[0];
  if (entrypoint === undefined) throw new Error(`${source}: the policy has no entrypoints`);
  if (!policy.entrypoints.includes(entrypoint)) throw new Error(`entrypoint ${entrypoint} is not in ${source} (it has: ${policy.entrypoints.join(', ')})`);
  // The host built-ins the bus supplies (regex.*, time.*, json.match_schema, ...), so a module built
  // by `opa build -t wasm` that calls them evaluates here as it does on the bus.
  const loaded = loadPolicySync(policy.module, undefined, hostBuiltinImplementations);
  let resultSet: unknown;
  try {
    loaded.setData(data as object);
    resultSet = loaded.evaluate(input, entrypoint);
  } catch (err) {
    throw new Error(`policy evaluation failed: ${describePolicyError(err)}`);
  }
  const defined = Array.isArray(resultSet) && resultSet.length > 0;
  const result = options.raw ? resultSet : interpretResultSet(resultSet, entrypoint);
  const tripped = (options.fail === true && !defined) || (options.failDefined === true && defined);
  return { result, lines: [JSON.stringify(result, null, 2)], exitCode: tripped ? EXIT_NEGATIVE : 0 };
}

/** The printed lines of `policy eval` (throws on an error). */
export function runPolicyEval(source: string, options: PolicyEvalOptions): string[] {
  return runPolicyEvalCommand(source, options).lines;
}

/** Prints a command's output lines, or its error as a person can act on it (exit status `failureCode`). */
function printLines(run: () => Iterable<string>, failureCode: (err: unknown) => number): void {
  try {
    for (const line of run()) console.log(line);
  } catch (err) {
    console.error(describeError(err));
    process.exitCode = failureCode(err);
  }
}

/** --json: one document on stdout, the answer or `{ "error": message }`. */
function printJson(run: () => unknown, failureCode: (err: unknown) => number): void {
  try {
    writeJson(run());
  } catch (err) {
    writeJson({ error: describeError(err).replace(/^error: /, '') });
    process.exitCode = failureCode(err);
  }
}

/** `policy build`: a policy that does not compile is the negative answer (1); anything else could not answer (2). */
const buildFailure = (err: unknown): number => (err instanceof RegoCompileError ? EXIT_NEGATIVE : EXIT_ERROR);
const evalFailure = (): number => EXIT_ERROR;

/** `policy eval` as `opa eval`: 0 on a result, 1 when --fail / --fail-defined trips, 2 on any error. */
function printEval(source: string, options: PolicyEvalOptions): void {
  const run = () => {
    const outcome = runPolicyEvalCommand(source, options);
    process.exitCode = outcome.exitCode;
    return outcome;
  };
  if (options.json) printJson(() => run().result, evalFailure);
  else printLines(() => run().lines, evalFailure);
}

export function registerPolicyCommands(program: Command): void {
  const policy = program.command('policy').description('compile Rego policies to OPA wasm bundles and evaluate them');

  policy
    .command('build')
    .description('compile a directory of .rego files (and data.json) into an OPA bundle (tar.gz)')
    .argument('<dir>', 'directory with .rego files and optional data.json files')
    .option('-e, --entrypoint <path>', `entrypoint such as ${DEFAULT_ENTRYPOINT} (repeatable; the first is the default)`, collect, [])
    .requiredOption('-o, --output <file>', 'bundle to write (e.g. bundle.tar.gz)')
    .option('--dump-ir', 'print the planner IR before building', false)
    .option('--no-optimize', 'skip binaryen optimisation of the generated code')
    .option('--revision <rev>', 'revision to record in the manifest (default: content hash)')
    .option('--json', 'print one JSON document: output, wasmBytes, entrypoints, revision, ms', false)
    .action((dir: string, options: PolicyBuildOptions) =>
      options.json ? printJson(() => buildPolicyBundle(dir, options), buildFailure) : printLines(() => runPolicyBuild(dir, options), buildFailure));

  policy
    .command('eval')
    .description('evaluate a bundle, a .wasm module or a policy directory against an input document')
    .argument('<policy>', 'bundle (.tar.gz), .wasm module, or directory of .rego files')
    .requiredOption('-i, --input <file>', 'input document (JSON)')
    .option('-e, --entrypoint <path>', 'entrypoint to evaluate (default: the first)', collect, [])
    .option('-d, --data <file>', 'data document (JSON) instead of the bundle\'s data')
    .option('--raw', 'print the SDK result set instead of the agentbus verdict', false)
    .option('--fail', 'exit 1 when the result is undefined (as opa eval --fail)', false)
    .option('--fail-defined', 'exit 1 when the result is defined (as opa eval --fail-defined)', false)
    .option('--json', 'print the answer as one JSON document ({ "error": ... } on failure)', false)
    .action((source: string, options: PolicyEvalOptions) => printEval(source, options));
}
