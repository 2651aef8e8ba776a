import type { BenchPipeline } from './pipeline-spec.ts';
import { ErrorCode } from '../../src/errors.ts';
import type { MessageInput } from '../../src/model/message.ts';
import type { SendResult } from '../../src/model/send-result.ts';
import type { Scenario } from '../scenario.ts';

/** The designs the bench compares, in the order they are listed in reports. */
export const PEER_NAMES = ['agentbus', 'agentbus-audit', 'agentbus-no-deliberation', 'inline', 'piscina-per-message', 'piscina-batched', 'ring-empty', 'noop'] as const;
export type PeerName = (typeof PEER_NAMES)[number];

export interface PeerOptions {
  /** The pipeline every peer runs (except `ring-empty`, which exists to run none). */
  pipeline: BenchPipeline;
  /** Validation threads; every threaded peer gets the same number. */
  workers: number;
  scenario: Scenario;
}

/**
 * How a send ended, as a row counts it: `delivered`; `denied` — a check decided against the message (the
 * scenario's wrong hashes, policy and deliberation denials); `error` — the bus could not decide (solver or
 * policy errors, overload, time-outs, internal failures).
 */
export type SendOutcome = 'delivered' | 'denied' | 'error';

/** Codes that are a decision about the message, not a failure to decide. */
const DENIAL_CODES: ReadonlySet<string> = new Set([
  ErrorCode.INVALID_MESSAGE, ErrorCode.HASH_MISMATCH, ErrorCode.TENANT, ErrorCode.PAYLOAD_TOO_LARGE, ErrorCode.PAYLOAD_TOO_DEEP,
  ErrorCode.EXPIRED, ErrorCode.UNKNOWN_AGENT, ErrorCode.POLICY_DENIED, ErrorCode.DELIBERATION_DENIED,
]);

export function outcomeOf(result: SendResult): SendOutcome {
  if (result.status === 'delivered') return 'delivered';
  return result.status !== 'failed' && result.code !== undefined && DENIAL_CODES.has(result.code) ? 'denied' : 'error';
}

/**
 * One design under test, started. `send` resolves once the message has been judged and, when allowed,
 * delivered to the scenario's no-op handler on the main thread, with how it ended. The load generator
 * times `send` itself, so every peer is measured by the same clock in the same place.
 */
export interface Peer {
  send(message: MessageInput): Promise<SendOutcome>;
  close(): Promise<void>;
}

export interface PeerDefinition {
  name: PeerName;
  create(options: PeerOptions): Promise<Peer>;
}
