/** What `send()` settles with, as far as a workflow reads it (a bus's SendResult is one). */
export interface WorkflowSendResult {
  readonly id: string;
  readonly status: string;
  readonly code?: string;
  readonly reasons: readonly string[];
}

/** One try at sending a step's (or a compensation's) message. Times are ms since the workflow started. */
export interface AttemptOutcome {
  readonly attempt: number;
  readonly messageId: string;
  /** The send's status, `timeout` when it did not settle within timeoutMs, `error` when send() threw. */
  readonly status: string;
  readonly code?: string;
  readonly reasons: readonly string[];
  readonly startedAtMs: number;
  readonly endedAtMs: number;
}

export interface CompensationOutcome {
  readonly step: string;
  readonly status: 'succeeded' | 'failed';
  readonly attempts: readonly AttemptOutcome[];
  readonly startedAtMs: number;
  readonly endedAtMs: number;
}

export interface StepOutcome {
  readonly id: string;
  readonly status: 'succeeded' | 'failed' | 'skipped';
  readonly attempts: readonly AttemptOutcome[];
  /** Absent for a skipped step. */
  readonly startedAtMs?: number;
  readonly endedAtMs?: number;
  readonly durationMs?: number;
  /** Failed: the last attempt's code (`E_TIMEOUT`-like codes are not invented: a timeout has no code). */
  readonly code?: string;
  /** Failed: the last attempt's reasons; skipped: why it never ran. */
  readonly reasons: readonly string[];
  /** Skipped: the step whose failure caused it (a failed dependency, or in a saga the step that failed). */
  readonly skippedBecause?: string;
}

export type WorkflowStatus = 'succeeded' | 'failed' | 'compensated' | 'compensation-failed';

export interface WorkflowResult {
  readonly runId: string;
  readonly workflowId: string;
  readonly mode: 'dag' | 'saga';
  readonly status: WorkflowStatus;
  /** Every step's outcome, by id, in definition order. */
  readonly steps: Readonly<Record<string, StepOutcome>>;
  /** Succeeded steps in the order they finished. */
  readonly completionOrder: readonly string[];
  readonly failed: readonly string[];
  readonly skipped: readonly string[];
  /** Saga mode: compensations in the order they ran (reverse order of completion). */
  readonly compensations: readonly CompensationOutcome[];
  /** Epoch ms. */
  readonly startedAt: number;
  readonly durationMs: number;
}
