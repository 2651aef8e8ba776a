import type { ResolvedOptions } from '../config.ts';
import type { PayloadCodec } from './payload-codec.ts';
import { ErrorCode, reject, type Rejection } from '../errors.ts';
import type { AcceptedMessage } from '../model/message.ts';
import { acceptMessage } from './accept.ts';

export type EncodedIntake =
  | {
      ok: true;
      accepted: AcceptedMessage;
      /**
       * The payload as msgpack, when a stage will read it in another thread; null when none will (the
       * size the limits stage checks is `accepted.payloadBytes` either way).
       */
      payload: Uint8Array | null;
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
 * the exact size (`acceptMessage`), then encoding the payload — only when a stage on the other side of a
 * thread boundary will read it (`crossing`).
 */
export function intakeMessage(input: unknown, options: ResolvedOptions, codec: PayloadCodec | null, crossing: PayloadCrossing = codec === null ? 'none' : 'all'): EncodedIntake {
  const intake = acceptMessage(input, options.constitutionalHash, options.limits, Date.now());
  if (!intake.ok) return intake;
  const accepted = intake.value;
  if (codec === null || crossing === 'none' || (crossing === 'signed' && accepted.message.signature === undefined)) return { ok: true, accepted, payload: null };
  let payload: Uint8Array;
  try {
    payload = codec.encode(accepted.message.payload);
  } catch (error) {
    return { ok: false, id: accepted.message.id, rejection: reject(ErrorCode.INVALID_MESSAGE, `payload cannot be encoded: ${(error as Error).message}`) };
  }
  if (payload.length !== accepted.payloadBytes) {
    // The size intake measured is what the limits stage checks: if the codec disagrees, refuse rather than
    // judge the message by a wrong size.
    return {
      ok: false,
      id: accepted.message.id,
      rejection: reject(ErrorCode.INTERNAL, `payload encodes to ${payload.length} bytes, intake measured ${accepted.payloadBytes}`),
    };
  }
  return { ok: true, accepted, payload };
}
