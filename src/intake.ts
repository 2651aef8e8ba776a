import type { ResolvedOptions } from './config.ts';
import type { PayloadCodec } from './dispatch/codec.ts';
import { ErrorCode, reject, type Rejection } from './errors.ts';
import { acceptMessage, type AcceptedMessage } from './message.ts';
import { checkPayloadSize } from './pipeline/limits.ts';

export type EncodedIntake =
  | { ok: true; accepted: AcceptedMessage; /** The payload as msgpack: what crosses to a worker, and its exact size. */ payload: Uint8Array }
  | { ok: false; id: string; rejection: Rejection };

/**
 * Everything that happens to a message on the caller's thread before it can be queued: shape checks
 * (`acceptMessage`), encoding the payload once, and the exact size check on those bytes.
 */
export function intakeMessage(input: unknown, options: ResolvedOptions, codec: PayloadCodec): EncodedIntake {
  const intake = acceptMessage(input, options.constitutionalHash, options.limits, Date.now());
  if (!intake.ok) return intake;
  const accepted = intake.value;
  let payload: Uint8Array;
  try {
    payload = codec.encode(accepted.message.payload);
  } catch (error) {
    return { ok: false, id: accepted.message.id, rejection: reject(ErrorCode.INVALID_MESSAGE, `payload cannot be encoded: ${(error as Error).message}`) };
  }
  const tooLarge = checkPayloadSize(payload.length, options.limits);
  if (tooLarge) return { ok: false, id: accepted.message.id, rejection: tooLarge };
  return { ok: true, accepted, payload };
}
