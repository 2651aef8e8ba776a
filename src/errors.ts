/**
 * Stable error codes. A code never changes meaning once released: callers branch on it, dashboards count it.
 * Rejections on the hot path are *results* carrying a code (see SendResult); only misuse of the API throws
 * an AgentBusError.
 */
export const ErrorCode = {
  /** The message is not a well-formed AgentMessage (wrong types, non-JSON payload, `__proto__` keys, ...). */
  INVALID_MESSAGE: 'E_INVALID_MESSAGE',
  /** The constitutional hash does not match the bus's hash exactly. */
  HASH_MISMATCH: 'E_HASH_MISMATCH',
  /** Tenant id malformed, or sender/recipient not registered in that tenant. */
  TENANT: 'E_TENANT',
  /** The encoded payload is larger than `limits.maxPayloadBytes`. */
  PAYLOAD_TOO_LARGE: 'E_PAYLOAD_TOO_LARGE',
  /** The payload nests deeper than `limits.maxDepth`. */
  PAYLOAD_TOO_DEEP: 'E_PAYLOAD_TOO_DEEP',
  /** `expiresAt` has passed. */
  EXPIRED: 'E_EXPIRED',
  /** The recipient is not a registered agent. */
  UNKNOWN_AGENT: 'E_UNKNOWN_AGENT',
  /** The policy decided against the message. */
  POLICY_DENIED: 'E_POLICY_DENIED',
  /** The policy could not be evaluated; fail closed. */
  POLICY_ERROR: 'E_POLICY_ERROR',
  /** The deliberation check (Z3) decided against the message. */
  DELIBERATION_DENIED: 'E_DELIBERATION_DENIED',
  /** The deliberation check could not be completed (error, timeout, unknown, open breaker); fail closed. */
  DELIBERATION_ERROR: 'E_DELIBERATION_ERROR',
  /** Too many messages in flight for longer than `admissionTimeoutMs`. */
  OVERLOADED: 'E_OVERLOADED',
  /** The message took down two validation workers; it is not tried again. */
  POISON_MESSAGE: 'E_POISON_MESSAGE',
  /** The recipient's handler threw or rejected. */
  HANDLER: 'E_HANDLER',
  /** The bus is closed (or closing) and takes no new messages. */
  CLOSED: 'E_CLOSED',
  /**
   * The sender registered a public key and the message's signature is missing or does not verify, or the
   * same signed message (sender and id) was seen within the replay window, or was created outside it.
   */
  SIGNATURE: 'E_SIGNATURE',
  /** An internal invariant broke; the message is failed rather than guessed about. */
  INTERNAL: 'E_INTERNAL',
  /** Configuration or registration is invalid (API misuse). */
  CONFIG: 'E_CONFIG',
  /**
   * The message was not judged and delivered within its deadline (`messageTimeoutMs`, or its shorter
   * `deadlineMs`): status `rejected`, or `failed` when its handler was still running; never delivered late.
   * With the Redis transport: a write or a remote handler's outcome was not known by its deadline (it may still
   * take effect; a retry with the same message id has one effect).
   */
  TIMEOUT: 'E_TIMEOUT',
  /**
   * No validation worker was alive to judge the message before its deadline (they are being restarted), or the
   * Redis transport cannot reach Redis and its bounded queue is full (or stayed down past its wait).
   */
  UNAVAILABLE: 'E_UNAVAILABLE',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const ALL_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && ALL_CODES.has(value);
}

/** Thrown only for API misuse (send after close, bad options, duplicate agent ids). */
export class AgentBusError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentBusError';
    this.code = code;
  }

  toJSON(): { name: string; code: ErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/** A rejection found by a pipeline stage: a code and the human reasons behind it. */
export interface Rejection {
  readonly code: ErrorCode;
  readonly reasons: readonly string[];
}

export function reject(code: ErrorCode, reason: string): Rejection {
  return { code, reasons: [reason] };
}
