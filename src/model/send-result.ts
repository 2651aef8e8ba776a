import type { ErrorCode } from '../errors.ts';

/**
 * How a `send()` ended. `accepted`: the caller asked for fire-and-forget and the message was handed over for
 * delivery (with the Redis transport: Redis acknowledged it into the recipient's stream; in-process: the
 * handler was called); the handler's own outcome is not reported.
 */
export type SendStatus = 'delivered' | 'accepted' | 'rejected' | 'failed' | 'expired';

/** Per-send options. */
export interface SendOptions {
  /**
   * Settle `accepted` as soon as the message is handed over for delivery, without waiting for the recipient's
   * handler (whose failure is then not reported to the sender). Default false: settle when the handler settled.
   */
  fireAndForget?: boolean;
}

export interface SendResult {
  id: string;
  status: SendStatus;
  code?: ErrorCode;
  reasons: string[];
  /** `send()` to settlement, microseconds. */
  latencyUs: number;
  /** Impact score in [0, 1] when the pipeline computed one. */
  impact?: number;
}
