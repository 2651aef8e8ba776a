import { performance } from 'node:perf_hooks';
import { ErrorCode, reject, type Rejection } from '../errors.ts';
import type { AgentMessage, JsonValue, MessageLimits } from '../model/message.ts';
import { checkConstitutionalHash } from './constitutional.ts';
import { checkLimits } from './limits.ts';
import { checkedStageResult } from './stage-result.ts';
import type { RegistrySnapshot } from '../model/registry-snapshot.ts';
import { checkTenant } from './tenant.ts';

/**
 * A message as a stage sees it: its header, what intake measured, and the payload on demand. The signature
 * is the caller's base64 text on the caller's thread, its 64 bytes on a validation thread.
 */
export interface PipelineItem {
  readonly message: Omit<AgentMessage, 'payload' | 'signature'> & { readonly signature?: string | Uint8Array | undefined };
  /** Encoded (msgpack) payload size in bytes. */
  readonly payloadBytes: number;
  /** Payload nesting depth, measured by intake. */
  readonly depth: number;
  /** The payload, decoded on first use (most stages never need it). */
  payload(): JsonValue;
  /** The payload as PayloadCodec encoded it, where it came that way (a validation thread): readable without decoding. */
  readonly encodedPayload?: Uint8Array | null;
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
  /**
   * The signature stage (signature.ts), after the built-in checks and before the policy: no policy decision
   * about a sender not proven to be who it says. Costs a registry lookup for a sender without a key.
   */
  signature?: Stage | null;
  /** The policy stage (OPA); absent when the bus runs with `policy: false`. */
  policy?: Stage | BatchStage | null;
  /** Extra stages after the built-in ones (user-supplied modules). */
  extra?: readonly Stage[];
  impact?: ImpactScorer | null;
}

/** Told, in order, what a batch's judging is doing: lets a thread record which message it is on (crash attribution). */
export interface BatchObserver {
  /** The batch stage's shared work is about to run: it serves several messages at once. */
  preparing(): void;
  /** Message `index` of the batch is about to be judged. */
  judging(index: number): void;
  /** Message `index` is judged; `pipelineUs` includes its equal share of the batch's shared work. */
  judged(index: number, result: PipelineResult, pipelineUs: number): void;
}

/** The stages composed, judging one message or a batch. Verdicts are the same either way. */
export interface Pipeline {
  judge(item: PipelineItem, context: PipelineContext): PipelineResult;
  /**
   * The one batch loop every judge runs (validation thread, inline mode, the bench's Piscina peers): the
   * batch stage's shared work first (the policy's cache misses in one SDK call), over the messages every
   * earlier stage passes, then each message in order.
   */
  judgeBatch(items: readonly PipelineItem[], context: PipelineContext, observer: BatchObserver): void;
}

const isBatchStage = (stage: Stage): stage is BatchStage => typeof (stage as Partial<BatchStage>).prepare === 'function';

/** Whether every stage before `end` passes the item. */
function passesStages(stages: readonly Stage[], end: number, item: PipelineItem, context: PipelineContext): boolean {
  for (let i = 0; i < end; i++) if (stages[i]!(item, context) !== null) return false;
  return true;
}

function failed(error: unknown): PipelineResult {
  // A stage that throws has not approved the message: fail closed, keep the thread alive.
  return { rejection: reject(ErrorCode.INTERNAL, `pipeline stage failed: ${(error as Error)?.message ?? String(error)}`), impact: 0 };
}

/** Composes the pipeline once; running it is a loop over plain functions. */
export function createPipeline(parts: PipelineParts = {}): Pipeline {
  const stages: Stage[] = [...VALIDATION_STAGES];
  if (parts.signature) stages.push(parts.signature);
  if (parts.policy) stages.push(parts.policy);
  if (parts.extra) stages.push(...parts.extra);
  const impact = parts.impact ?? null;
  const batchAt = stages.findIndex(isBatchStage);
  const batchStage = batchAt < 0 ? null : (stages[batchAt] as BatchStage);

  /** Runs stages from `first` on; `impact` only for a message every stage passed. */
  const runFrom = (first: number, item: PipelineItem, context: PipelineContext): PipelineResult => {
    try {
      for (let i = first; i < stages.length; i++) {
        const answer = stages[i]!(item, context);
        if (answer !== null) return { rejection: checkedStageResult(answer), impact: 0 };
      }
      return { rejection: null, impact: impact === null ? 0 : impact(item, context) };
    } catch (error) {
      return failed(error);
    }
  };

  /**
   * The batch stage's answers, by position in the batch (undefined: not prepared). A prepared message passed
   * the stages before the batch stage already (pure, same batch and context), so they are not run again.
   */
  const prepare = (items: readonly PipelineItem[], context: PipelineContext): (Rejection | null | undefined)[] | null => {
    if (batchStage === null) return null;
    try {
      const reaching: number[] = [];
      for (let i = 0; i < items.length; i++) if (passesStages(stages, batchAt, items[i]!, context)) reaching.push(i);
      const given = batchStage.prepare(reaching.map((i) => items[i]!), context);
      if (given.length !== reaching.length) return null;
      const answers = new Array<Rejection | null | undefined>(items.length);
      for (let k = 0; k < reaching.length; k++) answers[reaching[k]!] = checkedStageResult(given[k]);
      return answers;
    } catch {
      // Nothing prepared is nothing lost: each message is judged alone, and a stage that throws then
      // rejects that message (E_INTERNAL) as it would without a batch.
      return null;
    }
  };

  return {
    judge: (item, context) => runFrom(0, item, context),
    judgeBatch(items, context, observer) {
      if (items.length === 0) return;
      observer.preparing();
      const preparing = performance.now();
      const answers = prepare(items, context);
      const shareUs = ((performance.now() - preparing) * 1000) / items.length;
      for (let i = 0; i < items.length; i++) {
        observer.judging(i);
        const started = performance.now();
        const answer = answers === null ? undefined : answers[i];
        const result = answer === undefined ? runFrom(0, items[i]!, context) : answer !== null ? { rejection: answer, impact: 0 } : runFrom(batchAt + 1, items[i]!, context);
        observer.judged(i, result, (performance.now() - started) * 1000 + shareUs);
      }
    },
  };
}
