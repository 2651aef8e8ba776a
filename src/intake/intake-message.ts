import type { ResolvedOptions } from '../config.ts';
import type { Rejection } from '../errors.ts';
import type { AcceptedMessage } from '../model/message.ts';
import { acceptMessage } from './accept.ts';

export type IntakeResult =
  | {
      ok: true;
      accepted: AcceptedMessage;
      /**
       * Whether a stage on another thread will read the payload: it then goes along with the message,
       * encoded into the batch at dispatch (the size the limits stage checks is `accepted.payloadBytes`
       * either way).
       */
      sendsPayload: boolean;
    }
  | { ok: false; id: string; rejection: Rejection };

/**
 * Which payloads cross to another thread: `all` when a stage there reads every payload (see
 * pipelineReadsPayload), `signed` when only the signature stage may (it verifies a signed message's
 * payload, and reads no other), `none` when nothing is judged on another thread.
 */
export type PayloadCrossing = 'all' | 'signed' | 'none';

/**
 * Everything that happens to a message on the caller's thread before it can be queued: shape checks and
 * the exact size (`acceptMessage`), and whether its payload crosses the thread boundary (`crossing`).
 */
export function intakeMessage(input: unknown, options: ResolvedOptions, crossing: PayloadCrossing): IntakeResult {
  const intake = acceptMessage(input, options.constitutionalHash, options.limits, Date.now());
  if (!intake.ok) return intake;
  const accepted = intake.value;
  const sendsPayload = crossing === 'all' || (crossing === 'signed' && accepted.message.signature !== undefined);
  return { ok: true, accepted, sendsPayload };
}
