import type { ErrorCode } from '../errors.ts';

/** How a `send()` ended. */
export type SendStatus = 'delivered' | 'rejected' | 'failed' | 'expired';

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
