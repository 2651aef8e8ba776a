import { threadId } from 'node:worker_threads';
import type { BindingSpec, DeliberationPolicy } from './policy.ts';
import { runStaticChecks, type StaticCheckReport } from './static-checks.ts';
import { TemplateSolver, type NumeralBindings, type TemplateVerdict } from './template-solver.ts';
import { instantiateZ3, terminateZ3Threads, type Z3Instance } from './z3-module.ts';
import { Z3Session } from './z3-session.ts';

/**
 * The solver worker's state and task handling, separate from the Piscina entry file so tests and scripts can
 * drive it in-thread. One Z3 instance, one context, one persistent solver per template, built once.
 */

export interface SolverWorkerData {
  readonly wasm: WebAssembly.Module;
  readonly policy: DeliberationPolicy;
  /** Z3 resource units per check; 0 = unlimited. */
  readonly rlimit: number;
  /** Tests only: honour `fault` in tasks (an exception, or a hang that the wall-clock abort must end). */
  readonly allowFaultInjection: boolean;
}

export type InjectedFault = 'throw' | 'hang';

export interface TemplateCheck {
  readonly template: string;
  readonly bindings: NumeralBindings;
}

export type SolverTask =
  | { readonly kind: 'check'; readonly checks: readonly TemplateCheck[]; readonly fault?: InjectedFault }
  | { readonly kind: 'static-checks'; readonly routingThreshold?: number }
  | { readonly kind: 'ping' };

export interface CheckTaskResult {
  readonly verdicts: readonly TemplateVerdict[];
  /** Time spent in Z3 for this task, µs (measured in the worker, excludes queueing and messaging). */
  readonly solverMicros: number;
  readonly threadId: number;
}

export interface SolverWorker {
  handle(task: SolverTask): CheckTaskResult | StaticCheckReport | { threadId: number };
  dispose(): void;
}

/** A plausible value for a binding (current time for clocks, the threshold region for impact), varied per round. */
function warmUpValue(binding: BindingSpec, round: number): string {
  if (binding.sort === 'Bool') return String(round % 2 === 0);
  if (binding.from === 'derived.nowSeconds') return String(Math.floor(Date.now() / 1000) + round);
  if (binding.from === 'derived.hourUtc') return String(8 + round);
  if (binding.from === 'impact') return (0.8 + round / 50).toFixed(3);
  const low = binding.min ?? 0;
  const value = low + round * 37;
  return String(binding.max !== undefined ? Math.min(binding.max, value) : value);
}

export async function createSolverWorker(data: SolverWorkerData): Promise<SolverWorker> {
  const z3: Z3Instance = await instantiateZ3(data.wasm);
  const session = new Z3Session(z3);
  const solvers = new Map<string, TemplateSolver>();
  for (const template of data.policy.templates) solvers.set(template.id, new TemplateSolver(session, template, data.rlimit));

  const check = (checks: readonly TemplateCheck[], fault: InjectedFault | undefined): CheckTaskResult => {
    if (fault !== undefined && data.allowFaultInjection) {
      if (fault === 'throw') throw new Error('injected solver fault');
      // A synchronous hang, like a runaway solve: only an outside abort (worker termination) ends it.
      for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
    const started = performance.now();
    const verdicts = checks.map(({ template, bindings }) => {
      const solver = solvers.get(template);
      if (solver === undefined) throw new Error(`unknown template ${template}`);
      return solver.check(bindings);
    });
    return { verdicts, solverMicros: Math.round((performance.now() - started) * 1000), threadId };
  };

  // Warm-up: the first checks on a solver allocate its internal structures and JIT the wrapper code; a few
  // rounds with varied values keep that cost (tens of ms) out of the first real decisions' wall-clock budget.
  // The solver is warmed too where an evaluation usually answers (templates without variables): it explains denials.
  // Templates without a resource budget (rlimit 0) are not warmed: a warm-up value could make them run away
  // during start-up, where no wall clock would stop them.
  const bounded = [...solvers.values()].filter((solver) => (solver.template.rlimit ?? data.rlimit) > 0);
  for (let round = 0; round < 8; round++) {
    for (const solver of bounded) {
      const bindings: Record<string, string> = {};
      for (const [name, binding] of Object.entries(solver.template.bindings)) bindings[name] = warmUpValue(binding, round);
      solver.check(bindings);
      solver.checkSolver(bindings);
    }
  }

  return {
    handle(task) {
      switch (task.kind) {
        case 'check':
          return check(task.checks, task.fault);
        case 'static-checks':
          return runStaticChecks(session, [...solvers.values()], data.policy, { routingThreshold: task.routingThreshold });
        case 'ping':
          return { threadId };
      }
    },
    dispose() {
      for (const solver of solvers.values()) solver.dispose();
      solvers.clear();
      session.dispose();
      terminateZ3Threads(z3);
    },
  };
}
