import { ErrorCode } from '../errors.ts';
import type { AgentMessage } from '../model/message.ts';
import type { SendStatus } from '../model/send-result.ts';
import { callHandler, type HandlerOutcome } from './memory.ts';
import type { AgentRegistry } from './registry.ts';

/** How delivering an allowed message ended; `accepted`: handed over without waiting for the handler (fire-and-forget). */
export type DeliveryOutcome =
  | { readonly ok: true; readonly accepted?: true }
  | { readonly ok: false; readonly status: Exclude<SendStatus, 'delivered'>; readonly code: ErrorCode; readonly reason: string };

const DELIVERED: DeliveryOutcome = Object.freeze({ ok: true });
const ACCEPTED: DeliveryOutcome = Object.freeze({ ok: true, accepted: true });

/**
 * The last step of a message's path: it was judged against the registry as it was then, so the recipient is
 * looked up again now — by id *and* tenant (an agent unregistered and re-registered under the same id in
 * another tenant while the message was in flight must not receive it) — and the expiry is checked again (a
 * message may have waited behind deliberation or a slow handler). Then its handler runs. With `fireAndForget`
 * the outcome is `accepted` once the handler was called (a synchronous throw is still a failure: it is
 * known at once); a promise it returns is not waited for, and its rejection is dropped.
 */
export function deliver(registry: AgentRegistry, message: AgentMessage, now: number, fireAndForget = false): DeliveryOutcome | Promise<DeliveryOutcome> {
  const agent = registry.get(message.to);
  if (agent === undefined) {
    return { ok: false, status: 'rejected', code: ErrorCode.UNKNOWN_AGENT, reason: `recipient '${message.to}' is not a registered agent` };
  }
  if (agent.tenantId !== message.tenantId) {
    return {
      ok: false,
      status: 'rejected',
      code: ErrorCode.TENANT,
      reason: `recipient '${message.to}' is now registered in another tenant than the message's '${message.tenantId}'`,
    };
  }
  if (message.expiresAt !== undefined && message.expiresAt <= now) {
    return { ok: false, status: 'expired', code: ErrorCode.EXPIRED, reason: `message expired ${Math.round(now - message.expiresAt)} ms before delivery` };
  }
  const called = callHandler(agent, message);
  if (fireAndForget) return called instanceof Promise || called.ok ? ACCEPTED : toDelivery(called);
  return called instanceof Promise ? called.then(toDelivery) : toDelivery(called);
}

function toDelivery(outcome: HandlerOutcome): DeliveryOutcome {
  return outcome.ok ? DELIVERED : { ok: false, status: 'failed', code: ErrorCode.HANDLER, reason: outcome.reason };
}
