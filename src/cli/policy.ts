// `agentbus policy build|eval`: compile a directory of Rego into an OPA bundle, and evaluate a
// bundle, a .wasm module or a directory against an input file. Errors name file:line:col.
import { readFileSync, writeFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { RegoCompileError } from '../rego/ast.ts';
import { buildBundle, writeBundle, loadPolicySource, readPolicyDirectory, DEFAULT_ENTRYPOINT } from '../rego/bundle.ts';
import { planPolicy, dumpIr } from '../rego/build.ts';
import { createPolicyEvaluator } from '../pipeline/policy.ts';
import { loadPolicySync } from '../rego/sdk.ts';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function describeError(err: unknown): string {
  if (err instanceof RegoCompileError) return `error: ${err.message}`;
  if (err instanceof Error) return `error: ${err.message}`;
  return `error: ${String(err)}`;
}

export interface PolicyBuildOptions { entrypoint: string[]; output: string; dumpIr: boolean; optimize: boolean; revision?: string }

/** Returns the lines to print; throws on failure (the command turns that into exit code 1). */
export function runPolicyBuild(dir: string, options: PolicyBuildOptions): string[] {
  const entrypoints = options.entrypoint.length > 0 ? options.entrypoint : [DEFAULT_ENTRYPOINT];
  const lines: string[] = [];
  if (options.dumpIr) {
    const { sources } = readPolicyDirectory(dir);
    lines.push(dumpIr(planPolicy(sources, entrypoints)));
  }
  const started = performance.now();
  const bundle = buildBundle(dir, entrypoints, { optimize: options.optimize, ...(options.revision ? { revision: options.revision } : {}) });
  writeBundle(options.output, bundle);
  const ms = performance.now() - started;
  lines.push(`built ${options.output}: ${bundle.wasm.length} B wasm, entrypoints ${entrypoints.join(', ')}, revision ${bundle.manifest.revision} (${ms.toFixed(0)} ms)`);
  return lines;
}

export interface PolicyEvalOptions { input: string; entrypoint: string[]; data?: string; raw: boolean }

export function runPolicyEval(source: string, options: PolicyEvalOptions): string[] {
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
  if (options.raw) {
    const loaded = loadPolicySync(policy.module);
    loaded.setData(data as object);
    return [JSON.stringify(loaded.evaluate(input, entrypoint), null, 2)];
  }
  const evaluator = createPolicyEvaluator({ module: policy.module, data, entrypoint, revision: policy.revision, cache: false });
  return [JSON.stringify(evaluator.evaluate(input as Record<string, unknown>), null, 2)];
}

/** Prints a command's output lines, or its error as a person can act on it (exit status 1). */
function printLines(run: () => Iterable<string>): void {
  try {
    for (const line of run()) console.log(line);
  } catch (err) {
    console.error(describeError(err));
    process.exitCode = 1;
  }
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
    .action((dir: string, options: PolicyBuildOptions) => printLines(() => runPolicyBuild(dir, options)));

  policy
    .command('eval')
    .description('evaluate a bundle, a .wasm module or a policy directory against an input document')
    .argument('<policy>', 'bundle (.tar.gz), .wasm module, or directory of .rego files')
    .requiredOption('-i, --input <file>', 'input document (JSON)')
    .option('-e, --entrypoint <path>', 'entrypoint to evaluate (default: the first)', collect, [])
    .option('-d, --data <file>', 'data document (JSON) instead of the bundle\'s data')
    .option('--raw', 'print the SDK result set instead of the agentbus verdict', false)
    .action((source: string, options: PolicyEvalOptions) => printLines(() => runPolicyEval(source, options)));
}
