import type { AcceptedMessage } from '../../model/message.ts';
import type { SendResult } from '../../model/send-result.ts';

/**
 * A message from admission until its `send()` settles. The bus creates it and resolves it (once: `resolve`
 * is cleared when it is called); a judge owns `worker`, `crashes` and `verdicted` while judging it.
 */
export interface InFlightEntry {
  /** Resolves the `send()` promise; null before the message is admitted and after it settled. */
  resolve: ((result: SendResult) => void) | null;
  readonly accepted: AcceptedMessage;
  /** The encoded payload when the workers' stages read it, else null (see pipelineReadsPayload). */
  readonly payload: Uint8Array | null;
  /** Upper bound of the bytes this message takes in a ring record. */
  readonly wireBytes: number;
  /** `performance.timeOrigin + performance.now()` at send(); comparable across threads. */
  readonly sentAt: number;
  /** `performance.now()` at send(), for the end-to-end latency. */
  readonly startedAt: number;
  /** Settle `accepted` once handed over for delivery, not when the handler settled (SendOptions.fireAndForget). */
  readonly fireAndForget?: boolean;
  /** The worker holding it (-1: none). */
  worker: number;
  crashes: number;
  /** A verdict (or a failure) was handed on: later ones for the same message are ignored. */
  verdicted: boolean;
}
