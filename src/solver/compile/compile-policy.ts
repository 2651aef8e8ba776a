import type { DeliberationPolicy } from '../policy.ts';
import { instantiateZ3, terminateZ3Threads } from '../z3-module.ts';
import { Z3Session } from '../z3-session.ts';
import { compileTemplateIR, templateHash, type CompileOptions } from './compile-template.ts';
import type { TemplateIR } from './ir.ts';
import { compilePredicate, type CompiledPredicate } from './predicate.ts';

/**
 * The entry the bus calls at start: every template of a policy compiled with Z3 (or marked fallback), as plain
 * data that can be posted to the validation workers, which turn it into predicates with `loadCompiledPolicy`.
 *
 * Z3 runs here, once per template content: results are cached in memory by the template's content hash, so a
 * second bus with the same policy (tests, a restart in-process, a reload that changed one template) compiles
 * only what changed. A cold compile instantiates its own Z3 (fast from a precompiled module) and spends up to
 * seconds per template with existential variables; templates without variables take milliseconds.
 */

export interface CompiledPolicy {
  readonly revision: string;
  /** One entry per template, in policy order. */
  readonly templates: readonly TemplateIR[];
}

export interface CompilePolicyOptions extends CompileOptions {
  /** The precompiled z3-solver module (`compileZ3Module()`); compiled here when absent. */
  readonly wasm?: WebAssembly.Module;
  /** Reuse (and fill) the in-memory cache. Default true. */
  readonly cache?: boolean;
}

const cache = new Map<string, TemplateIR>();

/** Cache key: the template's content and the options that can change its compiled form. */
function cacheKey(hash: string, options: CompileOptions): string {
  return `${hash}|${options.eliminationTimeoutMs ?? ''}|${options.verifyRlimit ?? ''}|${options.maxNodes ?? ''}`;
}

export async function compileDeliberationPolicy(policy: DeliberationPolicy, options: CompilePolicyOptions = {}): Promise<CompiledPolicy> {
  const useCache = options.cache !== false;
  const results: (TemplateIR | undefined)[] = policy.templates.map((t) => (useCache ? cache.get(cacheKey(templateHash(t), options)) : undefined));
  if (results.some((r) => r === undefined)) {
    const z3 = await instantiateZ3(options.wasm);
    const session = new Z3Session(z3);
    try {
      policy.templates.forEach((template, i) => {
        if (results[i] !== undefined) return;
        const ir = compileTemplateIR(session, template, options);
        results[i] = ir;
        // A fallback caused by the wall-clock budget may succeed on a quieter machine: cache only what compiled.
        if (useCache && ir.mode === 'compiled') cache.set(cacheKey(ir.hash, options), ir);
      });
    } finally {
      session.dispose();
      terminateZ3Threads(z3);
    }
  }
  return { revision: policy.revision, templates: results as TemplateIR[] };
}

/** Drops the in-memory compile cache (tests; a process that wants to recompile). */
export function clearCompileCache(): void {
  cache.clear();
}

export interface LoadedCompiledPolicy {
  readonly revision: string;
  /** Decision functions of the templates that compiled, by template id. */
  readonly predicates: ReadonlyMap<string, CompiledPredicate>;
  /** Templates decided per message by the solver, with the reason. */
  readonly fallback: ReadonlyMap<string, string>;
}

/** Builds the decision functions from a compiled policy (in whichever thread decides). */
export function loadCompiledPolicy(compiled: CompiledPolicy): LoadedCompiledPolicy {
  const predicates = new Map<string, CompiledPredicate>();
  const fallback = new Map<string, string>();
  for (const ir of compiled.templates) {
    if (ir.mode === 'compiled') predicates.set(ir.template, compilePredicate(ir));
    else fallback.set(ir.template, ir.reason);
  }
  return { revision: compiled.revision, predicates, fallback };
}
