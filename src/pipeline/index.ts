import { ErrorCode, reject, type Rejection } from '../errors.ts';
import type { AgentMessage, JsonValue, MessageLimits } from '../message.ts';
import { checkConstitutionalHash } from './constitutional.ts';
import { checkLimits } from './limits.ts';
import { checkTenant, type RegistrySnapshot } from './tenant.ts';

/** A message as a stage sees it: its header, what intake measured, and the payload on demand. */
export interface PipelineItem {
  readonly message: Omit<AgentMessage, 'payload'>;
  /** Encoded (msgpack) payload size in bytes. */
  readonly payloadBytes: number;
  /** Payload nesting depth, measured by intake. */
  readonly depth: number;
  /** The payload, decoded on first use (most stages never need it). */
  payload(): JsonValue;
}

export interface PipelineContext {
  readonly expectedHash: string;
  readonly registry: RegistrySnapshot;
  readonly limits: MessageLimits;
  /** Epoch milliseconds, read once per batch. */
  readonly now: number;
}

/** A stage is a pure function: a rejection, or null to pass the message on. */
export type Stage = (item: PipelineItem, context: PipelineContext) => Rejection | null;

/**
 * A stage that can also judge a batch at once (the policy stage: one SDK call for the batch's cache
 * misses). `prepare` gets the messages of a batch that every earlier stage passes and returns, in order,
 * the answer the stage would give each alone. The stage itself still answers any single message.
 */
export interface BatchStage extends Stage {
  prepare(items: readonly PipelineItem[], context: PipelineContext): readonly (Rejection | null)[];
}

/** Scores how consequential a message is, in [0, 1]; high scores go to deliberation. */
export type ImpactScorer = (item: PipelineItem, context: PipelineContext) => number;

export interface PipelineResult {
  rejection: Rejection | null;
  impact: number;
}

export const constitutionalStage: Stage = (item, context) =>
  checkConstitutionalHash(item.message.constitutionalHash, context.expectedHash);

export const tenantStage: Stage = (item, context) =>
  checkTenant(item.message.tenantId, item.message.from, item.message.to, context.registry);

export const limitsStage: Stage = (item, context) =>
  checkLimits(item.payloadBytes, item.depth, item.message.expiresAt, context.now, context.limits);

/** The stages every message passes, in order: cheapest and most decisive first. */
export const VALIDATION_STAGES: readonly Stage[] = [constitutionalStage, tenantStage, limitsStage];

export interface PipelineParts {
  /** The policy stage (OPA); absent when the bus runs with `policy: false`. */
  policy?: Stage | BatchStage | null;
  /** Extra stages after the built-in ones (user-supplied modules). */
  extra?: readonly Stage[];
  impact?: ImpactScorer | null;
}

/**
 * Judges one message. Callers holding a batch call `prepare` with the whole batch first (same context),
 * then the pipeline for each message; verdicts are the same either way.
 */
export interface Pipeline {
  (item: PipelineItem, context: PipelineContext): PipelineResult;
  prepare(items: readonly PipelineItem[], context: PipelineContext): void;
}

const isBatchStage = (stage: Stage): stage is BatchStage => typeof (stage as Partial<BatchStage>).prepare === 'function';

/** Whether every stage before `end` passes the item. */
function passesStages(stages: readonly Stage[], end: number, item: PipelineItem, context: PipelineContext): boolean {
  for (let i = 0; i < end; i++) if (stages[i]!(item, context) !== null) return false;
  return true;
}

/**
 * Composes the pipeline that the validation worker and the inline mode both run. Composition happens once;
 * running is a loop over plain functions.
 */
export function createPipeline(parts: PipelineParts = {}): Pipeline {
  const stages: Stage[] = [...VALIDATION_STAGES];
  if (parts.policy) stages.push(parts.policy);
  if (parts.extra) stages.push(...parts.extra);
  const impact = parts.impact ?? null;
  const batchAt = stages.findIndex(isBatchStage);
  const batchStage = batchAt < 0 ? null : (stages[batchAt] as BatchStage);
  // The prepared batch: the messages that reached the batch stage, in the order they will be judged, and
  // its answers for them. Judging walks it with a cursor, by identity: a prepared message has passed the
  // stages before the batch stage already (pure, same batch and context), so they are not run again, and
  // the batch stage's answer is read. Any other message runs every stage.
  let prepared: readonly PipelineItem[] = [];
  let answers: readonly (Rejection | null)[] = [];
  let cursor = 0;
  const judge = (item: PipelineItem, context: PipelineContext): PipelineResult => {
    try {
      let first = 0;
      if (cursor < prepared.length && prepared[cursor] === item) {
        const rejection = answers[cursor++]!;
        if (rejection !== null) return { rejection, impact: 0 };
        first = batchAt + 1;
      }
      for (let i = first; i < stages.length; i++) {
        const rejection = stages[i]!(item, context);
        if (rejection !== null) return { rejection, impact: 0 };
      }
      return { rejection: null, impact: impact === null ? 0 : impact(item, context) };
    } catch (error) {
      // A stage that throws has not approved the message: fail closed, keep the worker alive.
      return { rejection: reject(ErrorCode.INTERNAL, `pipeline stage failed: ${(error as Error)?.message ?? String(error)}`), impact: 0 };
    }
  };
  const prepare = (items: readonly PipelineItem[], context: PipelineContext): void => {
    prepared = [];
    answers = [];
    cursor = 0;
    if (batchStage === null) return;
    try {
      // Only messages that reach the batch stage: an early rejection is never evaluated by it.
      const reaching = items.filter((item) => passesStages(stages, batchAt, item, context));
      const given = batchStage.prepare(reaching, context);
      if (given.length !== reaching.length) return;
      prepared = reaching;
      answers = given;
    } catch {
      // Nothing prepared is nothing lost: each message is judged alone, and a stage that throws then
      // rejects that message (E_INTERNAL) as it would without a batch.
    }
  };
  return Object.assign(judge, { prepare });
}
