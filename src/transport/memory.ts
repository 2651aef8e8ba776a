import type { AgentMessage } from '../message.ts';
import type { AgentRegistry } from '../registry.ts';

export type DeliveryOutcome = { ok: true } | { ok: false; unknownAgent: boolean; reason: string };

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * In-process delivery, the default transport: the recipient's handler runs on the main thread once the
 * message is allowed. Calls back synchronously when the handler is synchronous, so a delivery costs no
 * extra promise on the hot path.
 */
export class MemoryTransport {
  constructor(private readonly registry: AgentRegistry) {}

  deliver(message: AgentMessage, done: (outcome: DeliveryOutcome) => void): void {
    const agent = this.registry.get(message.to);
    if (agent === undefined) {
      done({ ok: false, unknownAgent: true, reason: `recipient '${message.to}' is not a registered agent` });
      return;
    }
    let result: void | Promise<void>;
    try {
      result = agent.handler(message);
    } catch (error) {
      done({ ok: false, unknownAgent: false, reason: `handler of '${message.to}' threw ${describe(error)}` });
      return;
    }
    if (result !== undefined && result !== null && typeof (result as Promise<void>).then === 'function') {
      (result as Promise<void>).then(
        () => done({ ok: true }),
        (error: unknown) => done({ ok: false, unknownAgent: false, reason: `handler of '${message.to}' rejected with ${describe(error)}` }),
      );
      return;
    }
    done({ ok: true });
  }
}
