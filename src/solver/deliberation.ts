import CircuitBreaker from 'opossum';
import type { Piscina } from 'piscina';
import { ErrorCode } from '../errors.ts';
import type { AgentMessage } from '../model/message.ts';
import { decisionKey, resolveTemplates, type DeliberationContext } from './bindings.ts';
import { DEFAULT_POLICY_URL, loadDeliberationPolicy, type DeliberationPolicy, withContentRevision } from './policy.ts';
import { DecisionCache } from './result-cache.ts';
import { createSolverPool } from './solver-pool.ts';
import type { CheckTaskResult, InjectedFault, SolverTask, TemplateCheck } from './solver-worker.ts';
import type { StaticCheckReport } from './static-checks.ts';
import type { TemplateVerdict } from './template-solver.ts';
import { compileZ3Module } from './z3-module.ts';
import { compileDeliberationPolicy, loadCompiledPolicy, type LoadedCompiledPolicy } from './compile/compile-policy.ts';
import { decideCompiled, type CompiledOutcome } from './compiled-decision.ts';
import type { DeliberationDecision } from './decision.ts';

/**
 * The deliberation stage: high-impact messages are decided by Z3 against the policy's templates, on a
 * dedicated worker pool, with a result cache, a wall-clock budget per decision and a circuit breaker.
 * It fails closed: a timeout, a solver error, `unknown`, a full queue or an open breaker all deny.
 */

export interface DeliberationOptions {
  /** A policy object, or a path/URL to a JSON policy. Default: policies/deliberation.json. */
  readonly policy?: DeliberationPolicy | string | URL;
  /** The threshold the bus routes with; the static bypass check proves it against the policy. Default: the policy's. */
  readonly threshold?: number;
  /** Solver threads. Default 1. */
  readonly threads?: number;
  /** Decisions waiting for a solver thread before new ones are denied. Default 64. */
  readonly maxQueue?: number;
  /** Wall-clock budget per decision, queueing included; on expiry the worker is recycled. Default 50 ms. */
  readonly timeoutMs?: number;
  /**
   * Z3 resource units per template check; a template may override it. The shipped templates decide within
   * 2,000; the default 20,000 leaves 10× headroom and stops a runaway (e.g. non-linear) check in ~100 ms here.
   * 0 = unlimited (the wall clock still applies).
   */
  readonly rlimit?: number;
  /** Cached verdicts (per template and bindings). Default 10,000; 0 disables the cache. */
  readonly cacheSize?: number;
  /** Most estimated heap bytes the cached verdicts keep alive (their keys hold payload numbers). Default 16 MiB. */
  readonly cacheBytes?: number;
  readonly breaker?: {
    /** Failure percentage over the rolling window that opens the breaker. Default 50. */
    readonly errorThresholdPercentage?: number;
    /** Decisions in the window before the percentage counts. Default 5. */
    readonly volumeThreshold?: number;
    /** How long the breaker stays open before one trial decision. Default 1,000 ms. */
    readonly resetTimeoutMs?: number;
  };
  /** A precompiled z3-solver wasm module (else compiled once per process). */
  readonly wasm?: WebAssembly.Module;
  /** Tests only: enables `injectFault`. */
  readonly allowFaultInjection?: boolean;
}

export type { DeliberationDecision };

export interface DeliberationStats {
  decisions: number;
  allowed: number;
  denied: number;
  errors: number;
  timeouts: number;
  /** Solver workers that failed outside a task (e.g. could not start). */
  workerErrors: number;
  /** Background unsat cores that failed or ran out of time (their denials keep naming the whole group). */
  coreFailures: number;
  cacheHits: number;
  cacheMisses: number;
  solverTasks: number;
  solverChecks: number;
  /** Decisions taken by the compiled templates alone (no solver). */
  compiled: number;
  breaker: 'closed' | 'open' | 'halfOpen';
  queued: number;
}

export interface Deliberation {
  readonly revision: string;
  /**
   * Compiles Z3, starts the pool, runs the static checks, compiles the templates (quantifier elimination, once);
   * the bus must not start unless `report.ok`.
   */
  start(): Promise<StaticCheckReport>;
  /** Which templates are decided by compiled predicates and which by the solver per message (after start). */
  modes(): { compiled: string[]; perMessage: { template: string; reason: string }[] };
  /**
   * Decides at once with the compiled templates where they can (see CompiledOutcome); `solver` when `decide`
   * must. A `denied-unnamed` decision is counted when the caller settles it (`settleUnnamed`).
   */
  tryDecide(message: AgentMessage, impact: number, context?: DeliberationContext): CompiledOutcome;
  /**
   * A certain denial whose constraints only an unsat core can name, settled at once: a core the solver found
   * for the same template and bindings names them (the result cache); otherwise the reason names the whole
   * group, and the solver is asked for the core in the background, off the message's path, so that the next
   * denial with these bindings names it. A denial never waits for the solver and never becomes an error.
   */
  nameDenial(outcome: Extract<CompiledOutcome, { kind: 'denied-unnamed' }>): DeliberationDecision;
  decide(message: AgentMessage, impact: number, context?: DeliberationContext): Promise<DeliberationDecision>;
  stats(): DeliberationStats;
  /**
   * Waits until a solver thread is initialised (after start, or after an abort recycled one) and returns its
   * thread id. Decisions made while a thread re-initialises (50–400 ms) count against their wall-clock budget.
   */
  warm(): Promise<number>;
  /** Tests only (needs `allowFaultInjection`): the next solver task fails this way. */
  injectFault(fault: InjectedFault): void;
  /** Stops the pool and the breaker's timers; leaves no handles. */
  close(): Promise<void>;
}

const STATIC_CHECK_TIMEOUT_MS = 60_000;
/** Checks per solver pool task: enough to amortise the task's messaging, few enough to stay within the wall-clock budget. */
const MAX_CHECKS_PER_TASK = 32;
/** Background unsat-core computations in flight at most (each names a denial with given bindings once). */
const MAX_CORES_PENDING = 64;
/**
 * Wall-clock budget of a background unsat core. It is on no message's path, so it does not get the
 * decision budget: under load a 50 ms budget expired while the task waited for a CPU, and every expiry
 * terminated the solver thread (a new one costs 50–400 ms of CPU) and counted against the breaker that
 * guards real decisions. `rlimit` still bounds Z3's work.
 */
const CORE_TIMEOUT_MS = 2_000;
const SOLVER_OUTCOME: CompiledOutcome = Object.freeze({ kind: 'solver' });

function resolvePolicy(policy: DeliberationOptions['policy']): DeliberationPolicy {
  if (policy === undefined) return loadDeliberationPolicy(DEFAULT_POLICY_URL);
  if (typeof policy === 'string' || policy instanceof URL) return loadDeliberationPolicy(policy);
  return withContentRevision(policy);
}

function deny(reasons: readonly string[], cached: boolean, templates: readonly string[], template?: string): DeliberationDecision {
  return { allowed: false, code: ErrorCode.DELIBERATION_DENIED, reasons, cached, templates, ...(template !== undefined ? { template } : {}) };
}

function failure(reason: string, templates: readonly string[]): DeliberationDecision {
  return { allowed: false, code: ErrorCode.DELIBERATION_ERROR, reasons: [reason], cached: false, templates };
}

function overloaded(templates: readonly string[]): DeliberationDecision {
  return { allowed: false, code: ErrorCode.OVERLOADED, reasons: ['deliberation solver queue is full: retry later'], cached: false, templates };
}

/** Load on the solver is backpressure, not a fault: it must not open the breaker. */
function isQueueFull(error: unknown): boolean {
  const message = (error as { message?: unknown })?.message;
  return typeof message === 'string' && /queue is at limit/i.test(message);
}

function describeFailure(error: unknown, timeoutMs: number, lastFailure: string): { reason: string; timeout: boolean } {
  const err = error as { name?: string; code?: string; message?: string };
  if (err?.name === 'AbortError' || err?.name === 'TimeoutError') return { reason: `deliberation timed out after ${timeoutMs} ms (solver worker recycled)`, timeout: true };
  if (err?.code === 'EOPENBREAKER') return { reason: `deliberation circuit breaker is open after solver failures (last: ${lastFailure || 'unknown'})`, timeout: false };
  if (typeof err?.message === 'string' && /queue is at limit/i.test(err.message)) return { reason: 'deliberation queue is full', timeout: false };
  return { reason: `solver error: ${err?.message ?? String(error)}`, timeout: false };
}

export function createDeliberation(options: DeliberationOptions = {}): Deliberation {
  const policy = resolvePolicy(options.policy);
  const timeoutMs = options.timeoutMs ?? 50;
  const cache = options.cacheSize === 0 ? undefined : new DecisionCache(options.cacheSize ?? 10_000, options.cacheBytes);
  const counters = { decisions: 0, allowed: 0, denied: 0, errors: 0, timeouts: 0, solverTasks: 0, solverChecks: 0, workerErrors: 0, compiled: 0, coreFailures: 0 };
  let compiled: LoadedCompiledPolicy | null = null;
  let pool: Piscina | undefined;
  let breaker: CircuitBreaker<[SolverTask], CheckTaskResult> | undefined;
  let ready = false;
  let closed = false;
  let pendingFault: InjectedFault | undefined;

  const runTask = (task: SolverTask, budgetMs = timeoutMs): Promise<CheckTaskResult> => {
    if (pool === undefined) return Promise.reject(new Error('deliberation is not started'));
    return pool.run(task, { signal: AbortSignal.timeout(budgetMs) }) as Promise<CheckTaskResult>;
  };

  const record = (decision: DeliberationDecision): DeliberationDecision => {
    counters.decisions++;
    if (decision.allowed) counters.allowed++;
    else if (decision.code !== ErrorCode.DELIBERATION_DENIED) counters.errors++;
    else counters.denied++;
    return decision;
  };

  const combine = (verdicts: readonly TemplateVerdict[], cached: boolean, templates: readonly string[]): DeliberationDecision => {
    const unknown = verdicts.find((v) => v.status === 'unknown');
    const denials = verdicts.filter((v) => v.status === 'unsat');
    if (denials.length > 0) {
      return deny(denials.map((v) => `${v.template}: violated ${v.violated.join(', ')}`), cached, templates, denials[0]?.template);
    }
    if (unknown !== undefined) return failure(`${unknown.template}: solver returned unknown (${unknown.reason ?? 'no reason'})`, templates);
    return { allowed: true, reasons: [], cached, templates };
  };

  /**
   * Decisions that need the solver in one event-loop turn go to it together: one pool task per batch of up to
   * MAX_CHECKS_PER_TASK checks, never one per message (a task costs tens of µs of messaging whatever it holds).
   */
  interface Waiting {
    readonly checks: readonly TemplateCheck[];
    /** An unsat core asked for in the background: its own budget, and not the breaker's business. */
    readonly background: boolean;
    readonly fault: InjectedFault | undefined;
    readonly resolve: (result: { verdicts: TemplateVerdict[]; solverMicros: number }) => void;
    readonly reject: (error: unknown) => void;
  }
  let waiting: Waiting[] = [];
  let flushScheduled = false;
  let lastFailure = '';
  /** Unsat cores being computed in the background (by cache key), bounded. */
  const coresPending = new Set<string>();
  const flushWaiting = (): void => {
    flushScheduled = false;
    const all = waiting;
    waiting = [];
    sendBatches(all.filter((w) => !w.background), false);
    sendBatches(all.filter((w) => w.background), true);
  };
  const sendBatches = (all: readonly Waiting[], background: boolean): void => {
    for (let start = 0; start < all.length; ) {
      const batch: Waiting[] = [];
      let count = 0;
      while (start < all.length && (batch.length === 0 || count + all[start]!.checks.length <= MAX_CHECKS_PER_TASK)) {
        count += all[start]!.checks.length;
        batch.push(all[start++]!);
      }
      const checks = batch.flatMap((w) => w.checks);
      const fault = batch.find((w) => w.fault !== undefined)?.fault;
      counters.solverTasks++;
      counters.solverChecks += checks.length;
      const task: SolverTask = fault === undefined ? { kind: 'check', checks } : { kind: 'check', checks, fault };
      const running = background ? runTask(task, CORE_TIMEOUT_MS) : (breaker as CircuitBreaker<[SolverTask], CheckTaskResult>).fire(task);
      running.then(
        (result) => {
          let at = 0;
          for (const w of batch) {
            w.resolve({ verdicts: result.verdicts.slice(at, at + w.checks.length), solverMicros: result.solverMicros });
            at += w.checks.length;
          }
        },
        (error: unknown) => {
          if (!background && !isQueueFull(error) && (error as { code?: string })?.code !== 'EOPENBREAKER') lastFailure = (error as Error)?.message ?? String(error);
          for (const w of batch) w.reject(error);
        },
      );
    }
  };
  const solveBatched = (checks: readonly TemplateCheck[], fault: InjectedFault | undefined, background = false) =>
    new Promise<{ verdicts: TemplateVerdict[]; solverMicros: number }>((resolve, reject) => {
      waiting.push({ checks, background, fault, resolve, reject });
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flushWaiting);
      }
    });

  return {
    revision: policy.revision,

    async start() {
      if (closed) throw new Error('deliberation is closed');
      const wasm = options.wasm ?? (await compileZ3Module());
      if (pool === undefined) {
        pool = createSolverPool({
          threads: options.threads ?? 1,
          maxQueue: options.maxQueue ?? 64,
          workerData: { wasm, policy, rlimit: options.rlimit ?? 20_000, allowFaultInjection: options.allowFaultInjection === true },
        });
        // A worker failing outside a task (a replacement that cannot load the templates, an out-of-memory exit)
        // is an 'error' event on the pool; unhandled, it would take the whole process down. Decisions already
        // fail closed on their own; count it.
        pool.on('error', () => {
          counters.workerErrors++;
        });
      }
      breaker ??= new CircuitBreaker((task: SolverTask) => runTask(task), {
        timeout: false, // the AbortSignal enforces wall time and recycles the worker; opossum's timer would not stop Z3
        errorThresholdPercentage: options.breaker?.errorThresholdPercentage ?? 50,
        volumeThreshold: options.breaker?.volumeThreshold ?? 5,
        resetTimeout: options.breaker?.resetTimeoutMs ?? 1_000,
        rollingCountTimeout: 10_000,
        rollingCountBuckets: 10,
        // A full queue is load, answered with E_OVERLOADED; only solver crashes, errors and timeouts count.
        errorFilter: (error: unknown) => isQueueFull(error),
      });
      let report: StaticCheckReport;
      try {
        report = (await pool.run({ kind: 'static-checks', routingThreshold: options.threshold } satisfies SolverTask, {
          signal: AbortSignal.timeout(STATIC_CHECK_TIMEOUT_MS),
        })) as StaticCheckReport;
      } catch (error) {
        // The worker could not load the templates (bad SMT-LIB, an unknown template symbol) or the checks ran out of time.
        report = { ok: false, revision: policy.revision, results: [{ name: 'load templates into Z3', ok: false, detail: (error as Error).message }] };
      }
      if (report.ok) {
        try {
          compiled = loadCompiledPolicy(await compileDeliberationPolicy(policy, { wasm }));
        } catch (error) {
          // Nothing compiled is nothing wrong: every template is then decided per message by the solver.
          compiled = null;
          report = { ...report, results: [...report.results, { name: 'compile templates', ok: true, detail: `every template runs per message: ${(error as Error).message}` }] };
        }
      }
      ready = report.ok;
      if (!ready) {
        // Nothing will be decided with this policy; stop the pool so it does not keep re-creating workers.
        const failed = pool;
        pool = undefined;
        await failed?.destroy();
      }
      return report;
    },

    modes() {
      const perMessage: { template: string; reason: string }[] = [];
      const compiledIds: string[] = [];
      for (const template of policy.templates) {
        if (compiled?.predicates.has(template.id)) compiledIds.push(template.id);
        else perMessage.push({ template: template.id, reason: compiled?.fallback.get(template.id) ?? 'not compiled' });
      }
      return { compiled: compiledIds, perMessage };
    },

    tryDecide(message, impact, context = {}) {
      if (!ready || closed || compiled === null) return SOLVER_OUTCOME;
      const now = typeof context.now === 'number' ? context.now : Date.now();
      const outcome = decideCompiled(policy, compiled, { message, impact, context, now });
      if (outcome.kind === 'decided') {
        counters.compiled++;
        record(outcome.decision);
      }
      return outcome;
    },

    nameDenial({ decision, unnamed }) {
      counters.compiled++;
      const reasons = [...decision.reasons];
      const checks: TemplateCheck[] = [];
      const keys: string[] = [];
      for (const denial of unnamed) {
        const key = decisionKey(policy.revision, denial.template, denial.bindings);
        const hit = cache?.get(key);
        if (hit !== undefined && hit.status === 'unsat') reasons[denial.reasonIndex] = `${denial.template}: violated ${hit.violated.join(', ')}`;
        else if (cache !== undefined && !coresPending.has(key) && coresPending.size < MAX_CORES_PENDING) {
          coresPending.add(key);
          checks.push({ template: denial.template, bindings: denial.bindings });
          keys.push(key);
        }
      }
      if (checks.length > 0 && ready && !closed) {
        solveBatched(checks, undefined, true).then(
          (result) => result.verdicts.forEach((verdict, i) => cache?.set(keys[i] as string, verdict)),
          () => {
            counters.coreFailures++;
          },
        ).finally(() => {
          for (const key of keys) coresPending.delete(key);
        });
      }
      return record({ ...decision, reasons });
    },

    async decide(message, impact, context = {}) {
      if (!ready || closed) return record(failure(closed ? 'deliberation is closed' : 'deliberation is not started (or its static checks failed)', []));
      const now = typeof context.now === 'number' ? context.now : Date.now();
      const input = { message, impact, context, now };
      const { templates, missing, firstInvalid, bound } = resolveTemplates(policy.templates, input);
      const checks: TemplateCheck[] = [];
      const keys: string[] = [];
      const verdicts: TemplateVerdict[] = [];
      for (const { template, bindings } of bound) {
        const key = decisionKey(policy.revision, template, bindings);
        const hit = cache?.get(key);
        if (hit !== undefined) verdicts.push(hit);
        else {
          checks.push({ template, bindings });
          keys.push(key);
        }
      }
      if (missing.length > 0) return record(deny(missing, false, templates, firstInvalid));
      if (templates.length === 0) return record(failure('no deliberation template applies to this message', templates));
      if (checks.length === 0) return record(combine(verdicts, true, templates));

      const fault = pendingFault;
      pendingFault = undefined;
      try {
        const result = await solveBatched(checks, fault);
        result.verdicts.forEach((verdict, i) => cache?.set(keys[i] as string, verdict));
        return record({ ...combine([...verdicts, ...result.verdicts], false, templates), solverMicros: result.solverMicros });
      } catch (error) {
        if (isQueueFull(error)) return record(overloaded(templates));
        const { reason, timeout } = describeFailure(error, timeoutMs, lastFailure);
        if (timeout) counters.timeouts++;
        return record(failure(reason, templates));
      }
    },

    stats() {
      const state = breaker === undefined ? 'closed' : breaker.opened ? 'open' : breaker.halfOpen ? 'halfOpen' : 'closed';
      return { ...counters, cacheHits: cache?.hits ?? 0, cacheMisses: cache?.misses ?? 0, breaker: state, queued: pool?.queueSize ?? 0 };
    },

    async warm() {
      if (pool === undefined) throw new Error('deliberation is not started');
      const reply = (await pool.run({ kind: 'ping' } satisfies SolverTask, { signal: AbortSignal.timeout(STATIC_CHECK_TIMEOUT_MS) })) as { threadId: number };
      return reply.threadId;
    },

    injectFault(fault) {
      if (options.allowFaultInjection !== true) throw new Error('fault injection is disabled (allowFaultInjection)');
      pendingFault = fault;
    },

    async close() {
      if (closed) return;
      closed = true;
      ready = false;
      breaker?.shutdown();
      cache?.clear();
      const running = pool;
      pool = undefined;
      await running?.destroy();
    },
  };
}
