import type { AgentMessage } from '../model/message.ts';
import type { RegisteredAgent } from './registry.ts';

/** What calling a handler came to: it returned (or resolved), or it threw (or rejected) with `reason`. */
export type HandlerOutcome = { ok: true } | { ok: false; reason: string };

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

const RETURNED: HandlerOutcome = Object.freeze({ ok: true });

/**
 * In-process delivery, the default transport: the recipient's handler runs on the main thread. Answers
 * synchronously when the handler is synchronous, so a delivery costs no promise and no callback on the hot
 * path; a promise only when the handler returned one.
 */
export function callHandler(agent: RegisteredAgent, message: AgentMessage): HandlerOutcome | Promise<HandlerOutcome> {
  let result: void | Promise<void>;
  try {
    result = agent.handler(message);
  } catch (error) {
    return { ok: false, reason: `handler of '${message.to}' threw ${describe(error)}` };
  }
  if (result !== undefined && result !== null && typeof (result as Promise<void>).then === 'function') {
    // Promise.resolve: a thenable that is not a Promise still settles through a real one.
    return Promise.resolve(result).then(
      () => RETURNED,
      (error: unknown) => ({ ok: false, reason: `handler of '${message.to}' rejected with ${describe(error)}` }),
    );
  }
  return RETURNED;
}
