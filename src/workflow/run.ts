import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { MessageInput } from '../model/message.ts';
import { sendWithRetries, type SendPlan, type WorkflowBus } from './attempt.ts';
import type { AttemptOutcome, CompensationOutcome, StepOutcome, WorkflowResult, WorkflowStatus } from './result.ts';
import { defineWorkflow, type WorkflowDefinition, type WorkflowSpec, type WorkflowStep } from './spec.ts';

export interface RunWorkflowOptions {
  /** Names this run in message ids and idempotency keys. Default: the workflow id and a random suffix. */
  runId?: string;
  /** Applied to every message just before it is sent, e.g. `(m) => signMessage(m, key)` for keyed senders. */
  beforeSend?: (message: MessageInput) => MessageInput;
}

const isDefinition = (value: WorkflowSpec | WorkflowDefinition): value is WorkflowDefinition => value.steps instanceof Map;

/**
 * Runs a workflow over a bus: every step is a governed message (judged like any other), sent as soon as
 * its own dependencies have succeeded, so a slow branch holds up only what depends on it. A step succeeds
 * when its message is delivered (the handler returned). A step that fails (after its retries) skips
 * everything that depends on it, each skipped step naming the failed step; in saga mode it also stops
 * new steps, and the succeeded steps' compensations then run one at a time in reverse order of completion.
 *
 * Retries: every attempt of a step carries the same `idempotency-key` in its metadata (`<runId>.<stepId>`)
 * and its own message id (`<runId>.<stepId>.<attempt>`): a handler dedupes on the key, while distinct ids
 * keep a retry of a signed message from being refused as a replay.
 *
 * A spec with a cycle (or any other defect) is refused before anything is sent: the promise rejects with
 * E_CONFIG. Otherwise it always resolves, with every step's outcome and timing.
 */
export async function runWorkflow(bus: WorkflowBus, spec: WorkflowSpec | WorkflowDefinition, options: RunWorkflowOptions = {}): Promise<WorkflowResult> {
  const definition = isDefinition(spec) ? spec : defineWorkflow(spec);
  const runId = options.runId ?? `${definition.id}-${randomBytes(6).toString('base64url')}`;
  const startedAt = Date.now();
  const origin = performance.now();
  const outcomes = new Map<string, StepOutcome>();
  const completionOrder: string[] = [];
  const waitingOn = new Map<string, number>();
  for (const [id, step] of definition.steps) waitingOn.set(id, new Set(step.dependsOn ?? []).size);

  const plan = (step: WorkflowStep, source: WorkflowStep['message'], suffix: string): SendPlan => ({
    bus,
    source,
    context: { runId, stepId: step.id, outcomes },
    idempotencyKey: `${runId}.${step.id}${suffix}`,
    idPrefix: `${runId}.${step.id}${suffix}`,
    timeoutMs: step.timeoutMs ?? definition.defaults.timeoutMs,
    retries: step.retries ?? definition.defaults.retries,
    retryDelayMs: step.retryDelayMs ?? definition.defaults.retryDelayMs,
    beforeSend: options.beforeSend,
    origin,
  });

  const skip = (id: string, because: string, reason: string): void => {
    if (outcomes.has(id)) return;
    outcomes.set(id, { id, status: 'skipped', attempts: [], reasons: [reason], skippedBecause: because });
  };
  /** Skips everything downstream of a failed step; each names the dependency that stopped it. */
  const skipDependents = (failed: string, root: string): void => {
    for (const dependent of definition.dependents.get(failed)!) {
      if (outcomes.has(dependent)) continue;
      const why = failed === root ? `dependency '${failed}' failed` : `dependency '${failed}' was skipped (because '${root}' failed)`;
      skip(dependent, root, why);
      skipDependents(dependent, root);
    }
  };

  let sagaAbortedBy: string | null = null;
  await new Promise<void>((resolve) => {
    let running = 0;
    const start = (id: string): void => {
      const step = definition.steps.get(id)!;
      running++;
      const began = performance.now() - origin;
      sendWithRetries(plan(step, step.message, ''))
        // sendWithRetries turns every failure into an attempt; this only keeps a bug from hanging the run.
        .catch((error: unknown) => ({ ok: false, attempts: [{ attempt: 1, messageId: '', status: 'error', reasons: [String(error)], startedAtMs: began, endedAtMs: began }] }))
        .then((sent) => {
        running--;
        finish(step, sent.ok, sent.attempts, began);
        if (running === 0) resolve();
      });
    };
    const finish = (step: WorkflowStep, ok: boolean, attempts: AttemptOutcome[], began: number): void => {
      const ended = performance.now() - origin;
      const last = attempts[attempts.length - 1]!;
      outcomes.set(step.id, {
        id: step.id,
        status: ok ? 'succeeded' : 'failed',
        attempts,
        startedAtMs: began,
        endedAtMs: ended,
        durationMs: ended - began,
        ...(!ok && last.code !== undefined ? { code: last.code } : {}),
        reasons: ok ? [] : [...last.reasons],
      });
      if (ok) {
        completionOrder.push(step.id);
        if (sagaAbortedBy !== null) return;
        for (const dependent of definition.dependents.get(step.id)!) {
          const left = waitingOn.get(dependent)! - 1;
          waitingOn.set(dependent, left);
          if (left === 0 && !outcomes.has(dependent)) start(dependent);
        }
        return;
      }
      skipDependents(step.id, step.id);
      if (definition.mode === 'saga' && sagaAbortedBy === null) {
        sagaAbortedBy = step.id;
        for (const id of definition.topologicalOrder) {
          if (!outcomes.has(id) && waitingOn.get(id)! > 0) skip(id, step.id, `saga stopped: step '${step.id}' failed`);
        }
      }
    };
    for (const id of definition.topologicalOrder) if (waitingOn.get(id) === 0) start(id);
  });

  const compensations: CompensationOutcome[] = [];
  if (sagaAbortedBy !== null) {
    for (const id of [...completionOrder].reverse()) {
      const step = definition.steps.get(id)!;
      if (step.compensate === undefined) continue;
      const began = performance.now() - origin;
      const sent = await sendWithRetries(plan(step, step.compensate, '.compensate'));
      compensations.push({ step: id, status: sent.ok ? 'succeeded' : 'failed', attempts: sent.attempts, startedAtMs: began, endedAtMs: performance.now() - origin });
    }
  }

  const steps: Record<string, StepOutcome> = {};
  const failed: string[] = [];
  const skipped: string[] = [];
  for (const id of definition.steps.keys()) {
    const outcome = outcomes.get(id)!;
    steps[id] = outcome;
    if (outcome.status === 'failed') failed.push(id);
    if (outcome.status === 'skipped') skipped.push(id);
  }
  let status: WorkflowStatus = failed.length === 0 ? 'succeeded' : 'failed';
  if (sagaAbortedBy !== null) status = compensations.every((c) => c.status === 'succeeded') ? 'compensated' : 'compensation-failed';
  return {
    runId,
    workflowId: definition.id,
    mode: definition.mode,
    status,
    steps,
    completionOrder,
    failed,
    skipped,
    compensations,
    startedAt,
    durationMs: performance.now() - origin,
  };
}
