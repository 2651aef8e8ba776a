// Rego sources → OPA-ABI wasm: parse, check, plan, emit. The one-call entry point of the compiler.
import { parseModule } from './parser.ts';
import { PolicyPlanner } from './plan.ts';
import { checkPolicy } from './check.ts';
import { emitPolicy } from './emit.ts';
import { dumpIr, type IrPolicy } from './ir.ts';
import { loadRuntimeWasm } from './runtime.ts';
import type { Module } from './ast.ts';

export interface RegoSource {
  /** Shown in error messages (file:line:col). */
  readonly file: string;
  readonly text: string;
}

export interface CompileOptions {
  /** Entrypoints as `pkg/rule` paths; the first is id 0, the default. */
  readonly entrypoints: readonly string[];
  readonly optimize?: boolean;
  /** Extra built-ins the host supplies (name → arity), e.g. through the SDK's customBuiltins. */
  readonly hostBuiltins?: Readonly<Record<string, number>>;
  /** OPA's strict-builtin-errors: a built-in error fails the evaluation instead of making the call undefined. */
  readonly strictBuiltinErrors?: boolean;
  /** Top-level packages holding queries, left out of the whole `data` document (see PlannerOptions). */
  readonly queryPackages?: readonly string[];
}

export interface CompiledPolicy {
  readonly wasm: Uint8Array;
  readonly entrypoints: readonly string[];
  readonly ir: IrPolicy;
}

export function parseSources(sources: readonly RegoSource[]): Module[] {
  return sources.map((s) => parseModule(s.text, s.file));
}

/** lexer → parser → check → plan: the IR of the policy, or the first error (the check pass reports all of its own). */
export function planPolicy(sources: readonly RegoSource[], entrypoints: readonly string[], hostBuiltins: Readonly<Record<string, number>> = {}, strictBuiltinErrors = false, queryPackages: readonly string[] = []): IrPolicy {
  if (entrypoints.length === 0) throw new Error('at least one entrypoint is required (e.g. -e agentbus/decision)');
  const checked = checkPolicy(parseSources(sources), { hostBuiltins });
  return new PolicyPlanner(checked.modules, { hostBuiltins, strictBuiltinErrors, queryPackages }, checked.tree).plan(entrypoints);
}

export function compilePolicy(sources: readonly RegoSource[], options: CompileOptions): CompiledPolicy {
  const ir = planPolicy(sources, options.entrypoints, options.hostBuiltins, options.strictBuiltinErrors, options.queryPackages);
  const wasm = emitPolicy(loadRuntimeWasm(), ir, { optimize: options.optimize ?? false });
  return { wasm, entrypoints: ir.entrypoints.map((e) => e.path), ir };
}

export { dumpIr };
