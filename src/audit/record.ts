/** What the deliberation check (Z3) decided for a high-impact message, as the audit trail keeps it. */
export interface AuditDeliberation {
  readonly allowed: boolean;
  readonly code?: string;
  readonly reasons: readonly string[];
  /** The templates that applied to the message. */
  readonly templates: readonly string[];
  /** True when every verdict came from the result cache. */
  readonly cached: boolean;
}

/**
 * One governance decision: a message's verdict and what it was judged by. The bus appends one per settled
 * message (delivered, rejected, failed or expired), whatever the outcome.
 */
export interface AuditRecord {
  /** Epoch milliseconds of the verdict. */
  readonly time: number;
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly tenant: string;
  readonly type: string;
  readonly status: string;
  /** The error code, absent when delivered. */
  readonly code?: string;
  readonly reasons: readonly string[];
  /** The policy revision the message was judged by; absent when the bus runs without a policy. */
  readonly policyRevision?: string;
  /** Present only when the message went to deliberation. */
  readonly deliberation?: AuditDeliberation;
}

/** A record as it stands in the log: its place in the chain, and the hash that links the next one to it. */
export interface ChainedRecord extends AuditRecord {
  /** Position in the whole log, from 0, continuous across rotated files. */
  readonly seq: number;
  /** SHA-256 (hex) of the previous record's line; the genesis hash for the first record of a log. */
  readonly prev: string;
  /** SHA-256 (hex) of this record's line without its `hash` member. */
  readonly hash: string;
}

/** The message fields a record keeps (an AgentMessage has them all). */
export interface AuditedMessage {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly tenantId: string;
  readonly type: string;
}

/** How the message settled (a SendResult has these). */
export interface AuditedOutcome {
  readonly status: string;
  readonly code?: string;
  readonly reasons: readonly string[];
}

/**
 * The record of one settled message, as the bus appends it in `settle()`. `reasons` is kept by reference:
 * the bus hands over a fresh array per result and never mutates it.
 */
export function auditRecordOf(
  message: AuditedMessage,
  outcome: AuditedOutcome,
  context: { time: number; policyRevision?: string | undefined; deliberation?: AuditDeliberation | undefined },
): AuditRecord {
  return {
    time: context.time,
    id: message.id,
    from: message.from,
    to: message.to,
    tenant: message.tenantId,
    type: message.type,
    status: outcome.status,
    ...(outcome.code !== undefined ? { code: outcome.code } : {}),
    reasons: outcome.reasons,
    ...(context.policyRevision !== undefined ? { policyRevision: context.policyRevision } : {}),
    ...(context.deliberation !== undefined ? { deliberation: context.deliberation } : {}),
  };
}
