import { AgentBusError, ErrorCode, reject, type Rejection } from '../errors.ts';
import { ownStringField } from '../model/own-field.ts';
import type { AuditLog } from './audit-log.ts';
import type { AuditDeliberation, AuditedMessage } from './record.ts';

/**
 * What the bus calls around the audit log: the wait at admission, the record of a message refused before
 * it was admitted, and the deliberation part of a record.
 */

const rejectionOf = (error: unknown): Rejection =>
  reject(error instanceof AgentBusError ? error.code : ErrorCode.INTERNAL, (error as Error)?.message ?? String(error));

/**
 * Admission's side of the log's backpressure. While the log is full, `send()` waits here at most
 * `admissionTimeoutMs` (E_OVERLOADED after, as for a full in-flight table); when the log has failed, every
 * waiting and new message is refused with the failure (E_INTERNAL): a governance bus does not judge messages
 * it cannot record. The line is bounded (like admission's), and however many wait, the gate holds one
 * registration with the log per full spell, so a log that stays full keeps nothing per timed-out message.
 */
export class AuditGate {
  private readonly waiters = new Set<(outcome: Rejection | null) => void>();
  private watching = false;

  constructor(
    private readonly log: AuditLog,
    private readonly maxWaiting: number,
  ) {}

  /** Whether a message may be admitted now (a field read: the per-message cost when the log keeps up). */
  get open(): boolean {
    return this.log.writable;
  }

  /** Null once the log takes records again; otherwise why the message is refused. */
  wait(timeoutMs: number): Promise<Rejection | null> {
    if (this.log.failed !== null) return Promise.resolve(reject(ErrorCode.INTERNAL, `the audit log failed: ${this.log.failed.message}`));
    if (this.waiters.size >= this.maxWaiting) return Promise.resolve(reject(ErrorCode.OVERLOADED, `${this.maxWaiting} messages already wait for the audit log`));
    return new Promise((resolve) => {
      const settle = (outcome: Rejection | null): void => {
        clearTimeout(timer);
        resolve(outcome);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(settle);
        resolve(reject(ErrorCode.OVERLOADED, `the audit log stayed full for ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(settle);
      this.watch();
    });
  }

  private watch(): void {
    if (this.watching) return;
    this.watching = true;
    this.log.whenWritable().then(
      () => this.wake(null),
      (error: unknown) => this.wake(rejectionOf(error)),
    );
  }

  private wake(outcome: Rejection | null): void {
    this.watching = false;
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const settle of waiters) settle(outcome);
  }
}

/** Longest string a record keeps of a field of input intake refused (the rest is cut): the input is untrusted. */
const MAX_UNTRUSTED_CHARS = 256;

function ownString(input: unknown, key: string): string {
  return ownStringField(input, key)?.slice(0, MAX_UNTRUSTED_CHARS) ?? '';
}

/**
 * What a record can say of input refused before it became a message: its own string fields, cut to a
 * bounded length, '' where there is none. Never throws (a Proxy's traps may).
 */
export function auditedInput(input: unknown, id: string): AuditedMessage {
  return {
    id: id.slice(0, MAX_UNTRUSTED_CHARS),
    from: ownString(input, 'from'),
    to: ownString(input, 'to'),
    tenantId: ownString(input, 'tenantId'),
    type: ownString(input, 'type'),
  };
}

/** The deliberation part of a record: the decision's verdict and grounds, without its diagnostics. */
export function auditDeliberationOf(decision: AuditDeliberation): AuditDeliberation {
  return {
    allowed: decision.allowed,
    ...(decision.code !== undefined ? { code: decision.code } : {}),
    reasons: decision.reasons,
    templates: decision.templates,
    cached: decision.cached,
  };
}
