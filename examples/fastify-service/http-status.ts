import type { SendResult } from '../../src/index.ts';

/** Codes that mean "not now": the service answers 503 with Retry-After, so a client backs off and retries. */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set(['E_OVERLOADED', 'E_UNAVAILABLE', 'E_CLOSED', 'E_DELIBERATION_ERROR']);

/** HTTP status for each rejection code; anything not listed is a 500 (the bus failed closed). */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  E_INVALID_MESSAGE: 400,
  E_HASH_MISMATCH: 403,
  E_TENANT: 403,
  E_POLICY_DENIED: 403,
  E_DELIBERATION_DENIED: 403,
  E_UNKNOWN_AGENT: 404,
  E_EXPIRED: 410,
  E_TIMEOUT: 504,
  E_PAYLOAD_TOO_LARGE: 413,
  E_PAYLOAD_TOO_DEEP: 422,
  E_POISON_MESSAGE: 422,
  E_HANDLER: 502,
};

/** The HTTP answer to a settled send: 200 when delivered, else the code's status (503 for the retryable ones). */
export function httpStatusOf(result: SendResult): number {
  if (result.status === 'delivered') return 200;
  const code = result.code ?? 'E_INTERNAL';
  if (RETRYABLE_CODES.has(code)) return 503;
  return STATUS_BY_CODE[code] ?? 500;
}
