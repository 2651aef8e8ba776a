import type { AcceptedMessage } from '../../model/message.ts';
import type { SendResult } from '../../model/send-result.ts';
import type { DeliberationDecision } from '../../solver/decision.ts';

/**
 * A message from admission until its slot is released. The bus creates it and resolves it (once: `resolve`
 * is cleared when it is called); a judge owns `worker`, `crashes` and `verdicted` while judging it.
 *
 * Settling and releasing are apart: at its deadline the caller's promise settles (E_TIMEOUT), but the slot
 * stays taken while a judge still holds the message (a lane or a worker's ring may still name the slot, and
 * a recycled slot would be judged twice) or its handler still runs. `resolve === null` with the slot still
 * taken means "settled, waiting to be handed back": a judge that finds such an entry hands it back unjudged.
 */
export interface InFlightEntry {
  /** Resolves the `send()` promise; null before the message is admitted and after it settled. */
  resolve: ((result: SendResult) => void) | null;
  readonly accepted: AcceptedMessage;
  /** Whether its payload goes to the workers (a stage there reads it; see pipelineReadsPayload), encoded at dispatch. */
  readonly sendsPayload: boolean;
  /** Upper bound of the bytes this message takes in a ring record. */
  readonly wireBytes: number;
  /** `performance.timeOrigin + performance.now()` at send(); comparable across threads. */
  readonly sentAt: number;
  /** `performance.now()` at send(), for the end-to-end latency. */
  readonly startedAt: number;
  /** Bytes it counts against `maxInFlightBytes`: exact encoded payload size + the envelope's upper bound. */
  readonly bytes: number;
  /** `performance.now()` by which it must be judged and delivered (ms). */
  readonly deadline: number;
  /** Its handler has been called (a timeout now fails it, and the slot waits for the handler to return). */
  delivering: boolean;
  /** Settle `accepted` once handed over for delivery, not when the handler settled (SendOptions.fireAndForget). */
  readonly fireAndForget?: boolean;
  /** The worker holding it (-1: none). */
  worker: number;
  crashes: number;
  /** A verdict (or a failure) was handed on: later ones for the same message are ignored. */
  verdicted: boolean;
  /** What deliberation decided, when the message went to it (set by the judge; the audit trail keeps it). */
  deliberation: DeliberationDecision | null;
}
