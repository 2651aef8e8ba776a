import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '../errors.ts';
import type { MessageInput } from '../model/message.ts';
import type { AttemptOutcome, WorkflowSendResult } from './result.ts';
import type { StepContext, StepMessageSource } from './spec.ts';

/** What a workflow needs of a bus. */
export interface WorkflowBus {
  send(message: MessageInput): Promise<WorkflowSendResult>;
}

/**
 * Failures a retry may cure: the handler failed, the bus was overloaded, a check could not be completed,
 * or the attempt timed out. A policy denial, a tenant or signature rejection and the like give the same
 * answer every time and are not retried.
 */
const TRANSIENT: ReadonlySet<string> = new Set([ErrorCode.HANDLER, ErrorCode.OVERLOADED, ErrorCode.INTERNAL, ErrorCode.POLICY_ERROR, ErrorCode.DELIBERATION_ERROR]);

export function isRetryable(attempt: AttemptOutcome): boolean {
  return attempt.status === 'timeout' || (attempt.code !== undefined && TRANSIENT.has(attempt.code));
}

export interface SendPlan {
  readonly bus: WorkflowBus;
  readonly source: StepMessageSource;
  /** The step's context, less the attempt number. */
  readonly context: Omit<StepContext, 'attempt'>;
  /** Constant across attempts: what a handler dedupes on (metadata `idempotency-key`). */
  readonly idempotencyKey: string;
  /** Each attempt's message id is `<idPrefix>.<attempt>`. */
  readonly idPrefix: string;
  readonly timeoutMs: number | undefined;
  readonly retries: number;
  readonly retryDelayMs: number;
  /** Applied to each message just before it is sent (e.g. signing it). */
  readonly beforeSend: ((message: MessageInput) => MessageInput) | undefined;
  /** The workflow's clock origin (performance.now()). */
  readonly origin: number;
}

const since = (origin: number): number => performance.now() - origin;

/**
 * One attempt: build the message, send it, wait at most `timeoutMs`. A send that settles after its timeout
 * is ignored (its effect may still happen, which is what the idempotency key is for); a send or a message
 * builder that throws is an `error` attempt, never an exception out of the workflow.
 */
async function attemptOnce(plan: SendPlan, attempt: number): Promise<AttemptOutcome> {
  const messageId = `${plan.idPrefix}.${attempt}`;
  const startedAtMs = since(plan.origin);
  const done = (result: Pick<AttemptOutcome, 'status' | 'code' | 'reasons'>): AttemptOutcome => ({
    attempt,
    messageId,
    status: result.status,
    ...(result.code !== undefined ? { code: result.code } : {}),
    reasons: result.reasons,
    startedAtMs,
    endedAtMs: since(plan.origin),
  });
  let sending: Promise<WorkflowSendResult>;
  try {
    const built = typeof plan.source === 'function' ? plan.source({ ...plan.context, attempt }) : plan.source;
    let message: MessageInput = {
      ...built,
      id: messageId,
      metadata: {
        ...built.metadata,
        'idempotency-key': plan.idempotencyKey,
        'workflow-run': plan.context.runId,
        'workflow-step': plan.context.stepId,
        'workflow-attempt': String(attempt),
      },
    };
    if (plan.beforeSend !== undefined) message = plan.beforeSend(message);
    sending = plan.bus.send(message);
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    return done({ status: 'error', ...(typeof code === 'string' ? { code } : {}), reasons: [`could not send: ${(error as Error)?.message ?? String(error)}`] });
  }
  if (plan.timeoutMs === undefined) {
    const result = await sending.catch((error: unknown) => ({ id: messageId, status: 'error', reasons: [`send failed: ${(error as Error)?.message ?? String(error)}`] }) as WorkflowSendResult);
    return done(result);
  }
  const timer = new AbortController();
  const outcome = await Promise.race([
    sending.then(
      (result) => ({ result }),
      (error: unknown) => ({ result: { id: messageId, status: 'error', reasons: [`send failed: ${(error as Error)?.message ?? String(error)}`] } as WorkflowSendResult }),
    ),
    sleep(plan.timeoutMs, null, { signal: timer.signal }).then(
      () => null,
      () => null,
    ),
  ]);
  timer.abort();
  if (outcome === null) return done({ status: 'timeout', reasons: [`no outcome within ${plan.timeoutMs} ms`] });
  return done(outcome.result);
}

/** Attempts until delivered, a failure that is not retryable, or the retries run out. */
export async function sendWithRetries(plan: SendPlan): Promise<{ ok: boolean; attempts: AttemptOutcome[] }> {
  const attempts: AttemptOutcome[] = [];
  for (let attempt = 1; ; attempt++) {
    const outcome = await attemptOnce(plan, attempt);
    attempts.push(outcome);
    if (outcome.status === 'delivered') return { ok: true, attempts };
    if (attempt > plan.retries || !isRetryable(outcome)) return { ok: false, attempts };
    if (plan.retryDelayMs > 0) await sleep(plan.retryDelayMs);
  }
}
