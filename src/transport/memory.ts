import type { AgentMessage } from '../message.ts';
import type { AgentRegistry } from '../registry.ts';

export type DeliveryOutcome = { ok: true } | { ok: false; unknownAgent: boolean; reason: string };

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

const DELIVERED: DeliveryOutcome = Object.freeze({ ok: true });

/**
 * In-process delivery, the default transport: the recipient's handler runs on the main thread once the
 * message is allowed. Answers synchronously when the handler is synchronous, so a delivery costs no promise
 * and no callback on the hot path; a promise only when the handler returned one.
 */
export class MemoryTransport {
  constructor(private readonly registry: AgentRegistry) {}

  deliver(message: AgentMessage): DeliveryOutcome | Promise<DeliveryOutcome> {
    const agent = this.registry.get(message.to);
    if (agent === undefined) return { ok: false, unknownAgent: true, reason: `recipient '${message.to}' is not a registered agent` };
    let result: void | Promise<void>;
    try {
      result = agent.handler(message);
    } catch (error) {
      return { ok: false, unknownAgent: false, reason: `handler of '${message.to}' threw ${describe(error)}` };
    }
    if (result !== undefined && result !== null && typeof (result as Promise<void>).then === 'function') {
      // Promise.resolve: a thenable that is not a Promise still settles through a real one.
      return Promise.resolve(result).then(
        () => DELIVERED,
        (error: unknown) => ({ ok: false, unknownAgent: false, reason: `handler of '${message.to}' rejected with ${describe(error)}` }),
      );
    }
    return DELIVERED;
  }
}
