import { AgentBusError, ErrorCode } from '../errors.ts';
import type { MessageInput } from '../model/message.ts';
import type { StepOutcome } from './result.ts';

/** What a step sends: a message without an id (the workflow names each attempt). */
export type StepMessage = Omit<MessageInput, 'id'>;

/** What a step's message may be built from, when it is a function: the run so far. */
export interface StepContext {
  readonly runId: string;
  readonly stepId: string;
  readonly attempt: number;
  /** Outcomes of the steps finished so far (every dependency of this step is among them). */
  readonly outcomes: ReadonlyMap<string, StepOutcome>;
}

export type StepMessageSource = StepMessage | ((context: StepContext) => StepMessage);

export interface WorkflowStep {
  readonly id: string;
  readonly message: StepMessageSource;
  /** Steps that must succeed before this one starts. */
  readonly dependsOn?: readonly string[];
  /** Per attempt: how long to wait for `send()` to settle before counting the attempt as timed out. */
  readonly timeoutMs?: number;
  /** Attempts after the first, for failures that may pass on a retry (see `retryable`). Default 0. */
  readonly retries?: number;
  /** Wait before each retry. Default 0. */
  readonly retryDelayMs?: number;
  /** Saga mode: the message that undoes this step, sent if the workflow fails after the step succeeded. */
  readonly compensate?: StepMessageSource;
}

export type WorkflowMode = 'dag' | 'saga';

export interface WorkflowSpec {
  readonly id?: string;
  /**
   * `dag` (default): a failed step skips its dependents; independent branches go on. `saga`: the first
   * failure stops new steps, and once running ones finish, the succeeded steps are compensated in reverse
   * order of completion.
   */
  readonly mode?: WorkflowMode;
  readonly steps: readonly WorkflowStep[];
  /** Defaults for every step's timeoutMs, retries and retryDelayMs. */
  readonly defaults?: Pick<WorkflowStep, 'timeoutMs' | 'retries' | 'retryDelayMs'>;
}

/** A checked workflow: steps by id, who depends on whom, and an order that respects the dependencies. */
export interface WorkflowDefinition {
  readonly id: string;
  readonly mode: WorkflowMode;
  readonly steps: ReadonlyMap<string, WorkflowStep>;
  readonly dependents: ReadonlyMap<string, readonly string[]>;
  readonly topologicalOrder: readonly string[];
  readonly defaults: Required<Pick<WorkflowStep, 'retries' | 'retryDelayMs'>> & Pick<WorkflowStep, 'timeoutMs'>;
}

const invalid = (reason: string): AgentBusError => new AgentBusError(ErrorCode.CONFIG, `workflow: ${reason}`);

function checkNumbers(owner: string, values: Pick<WorkflowStep, 'timeoutMs' | 'retries' | 'retryDelayMs'>): void {
  if (values.timeoutMs !== undefined && !(Number.isFinite(values.timeoutMs) && values.timeoutMs > 0)) throw invalid(`${owner}: timeoutMs must be a positive number`);
  if (values.retries !== undefined && !(Number.isSafeInteger(values.retries) && values.retries >= 0)) throw invalid(`${owner}: retries must be a non-negative integer`);
  if (values.retryDelayMs !== undefined && !(Number.isFinite(values.retryDelayMs) && values.retryDelayMs >= 0)) throw invalid(`${owner}: retryDelayMs must be a non-negative number`);
}

const isSource = (value: unknown): boolean => typeof value === 'function' || (value !== null && typeof value === 'object' && !Array.isArray(value));

/** One dependency cycle, as a path that returns to its start (for the error message). */
function findCycle(steps: ReadonlyMap<string, WorkflowStep>, among: ReadonlySet<string>): string[] {
  const visiting = new Set<string>();
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (id: string): string[] | null => {
    visiting.add(id);
    path.push(id);
    for (const dependency of steps.get(id)!.dependsOn ?? []) {
      if (!among.has(dependency) || done.has(dependency)) continue;
      if (visiting.has(dependency)) return [...path.slice(path.indexOf(dependency)), dependency];
      const found = visit(dependency);
      if (found) return found;
    }
    visiting.delete(id);
    done.add(id);
    path.pop();
    return null;
  };
  for (const id of among) {
    if (done.has(id)) continue;
    const found = visit(id);
    if (found) return found.reverse();
  }
  return [...among];
}

/**
 * Checks a workflow once, before anything is sent: unique step ids, dependencies that exist, no cycle
 * (reported as the path that closes it, e.g. `a → b → c → a`), sane timeouts and retries. Throws E_CONFIG.
 */
export function defineWorkflow(spec: WorkflowSpec): WorkflowDefinition {
  if (spec === null || typeof spec !== 'object' || !Array.isArray(spec.steps) || spec.steps.length === 0) throw invalid('steps must be a non-empty array');
  const mode = spec.mode ?? 'dag';
  if (mode !== 'dag' && mode !== 'saga') throw invalid("mode must be 'dag' or 'saga'");
  checkNumbers('defaults', spec.defaults ?? {});
  const steps = new Map<string, WorkflowStep>();
  for (const step of spec.steps) {
    if (step === null || typeof step !== 'object' || typeof step.id !== 'string' || step.id.length === 0) throw invalid('every step needs a non-empty string id');
    if (steps.has(step.id)) throw invalid(`step id '${step.id}' is used twice`);
    if (!isSource(step.message)) throw invalid(`step '${step.id}': message must be a message or a function returning one`);
    if (step.compensate !== undefined && !isSource(step.compensate)) throw invalid(`step '${step.id}': compensate must be a message or a function returning one`);
    if (step.dependsOn !== undefined && (!Array.isArray(step.dependsOn) || (step.dependsOn as readonly unknown[]).some((d) => typeof d !== 'string'))) {
      throw invalid(`step '${step.id}': dependsOn must be an array of step ids`);
    }
    checkNumbers(`step '${step.id}'`, step);
    steps.set(step.id, step);
  }
  const dependents = new Map<string, string[]>([...steps.keys()].map((id) => [id, []]));
  const waiting = new Map<string, number>();
  for (const step of steps.values()) {
    const unique = new Set(step.dependsOn ?? []);
    for (const dependency of unique) {
      if (!steps.has(dependency)) throw invalid(`step '${step.id}' depends on '${dependency}', which is not a step`);
      dependents.get(dependency)!.push(step.id);
    }
    waiting.set(step.id, unique.size);
  }
  // Kahn's algorithm: whatever never becomes ready sits on, or behind, a cycle.
  const order: string[] = [];
  const ready = [...steps.keys()].filter((id) => waiting.get(id) === 0);
  while (ready.length > 0) {
    const id = ready.shift()!;
    order.push(id);
    for (const dependent of dependents.get(id)!) {
      const left = waiting.get(dependent)! - 1;
      waiting.set(dependent, left);
      if (left === 0) ready.push(dependent);
    }
  }
  if (order.length < steps.size) {
    const stuck = new Set([...steps.keys()].filter((id) => !order.includes(id)));
    throw invalid(`the dependencies form a cycle: ${findCycle(steps, stuck).join(' → ')}`);
  }
  return {
    id: spec.id ?? 'workflow',
    mode,
    steps,
    dependents,
    topologicalOrder: order,
    defaults: { retries: spec.defaults?.retries ?? 0, retryDelayMs: spec.defaults?.retryDelayMs ?? 0, ...(spec.defaults?.timeoutMs !== undefined ? { timeoutMs: spec.defaults.timeoutMs } : {}) },
  };
}
