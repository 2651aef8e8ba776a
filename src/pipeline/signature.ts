import type { KeyObject } from 'node:crypto';
import { ErrorCode, reject } from '../errors.ts';
import type { ReplayGuard } from '../signature/replay.ts';
import { verifyMessageSignature } from '../signature/verify.ts';
import type { PipelineContext, PipelineItem, Stage } from './index.ts';
import type { AgentInfo } from '../model/registry-snapshot.ts';

/** A registered agent as the signature stage reads it: its Ed25519 public key, when it registered one. */
export type KeyedAgentInfo = AgentInfo;

/** A message header that may carry a signature (base64 text or the 64 bytes). */
export interface SignedHeader {
  readonly signature?: string | Uint8Array;
}

export interface SignatureStageOptions {
  /** The sender's public key; undefined for an agent registered without one. Default: the registry snapshot's `publicKey`. */
  publicKeyOf?: (agentId: string, context: PipelineContext) => KeyObject | undefined;
  /** The signature the message carried. Default: `item.message.signature`. */
  signatureOf?: (item: PipelineItem) => unknown;
  /**
   * Replay refusal, after the signature verified. Give it here only where one guard sees every message
   * (inline mode); with several validation threads, a replay could land on another thread than the
   * original, so the bus runs one guard on its main thread instead, for verified messages.
   */
  replay?: ReplayGuard | null;
}

const registryKey = (agentId: string, context: PipelineContext): KeyObject | undefined => context.registry.agents.get(agentId)?.publicKey;

const headerSignature = (item: PipelineItem): unknown => (item.message as SignedHeader).signature;

/**
 * The signature stage: a sender that registered a public key must sign every message (Ed25519 over the
 * canonical fields, see signature/canonical.ts); a missing or invalid signature is E_SIGNATURE. Senders
 * without a key are not checked. Reads the payload of a signed message (the signature covers it): the bus
 * sends the payload of every message that carries a signature to the workers. Runs after the tenant stage (the sender is known) and before the
 * policy (no policy decision about a sender not proven to be who it says). Built into every pipeline
 * (build.ts); a signed message's payload crosses to the validation threads (intake/intake-message.ts).
 */
export function createSignatureStage(options: SignatureStageOptions = {}): Stage {
  const publicKeyOf = options.publicKeyOf ?? registryKey;
  const signatureOf = options.signatureOf ?? headerSignature;
  const replay = options.replay ?? null;
  return (item, context) => {
    const message = item.message;
    const key = publicKeyOf(message.from, context);
    if (key === undefined) return null;
    const signature = signatureOf(item);
    if (signature === undefined || signature === null) {
      return reject(ErrorCode.SIGNATURE, `'${message.from}' registered a public key: its messages must be signed`);
    }
    if (!verifyMessageSignature({ ...message, payload: item.payload() }, signature, key)) {
      return reject(ErrorCode.SIGNATURE, `the signature does not verify with '${message.from}'s public key`);
    }
    return replay === null ? null : replay.check(message.from, message.id, message.createdAt, context.now);
  };
}
