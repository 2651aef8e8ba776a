import type { AgentMessage } from '../model/message.ts';
import type { RegisteredAgent } from './registry.ts';
import type { DeliveryOutcome } from './route.ts';

/**
 * Where the bus hands a message it judged allowed: the one choice of transport, made when the bus is created.
 * `InProcessDelivery` calls the recipient's handler on this thread; `RedisDelivery` appends the message to the
 * recipient's stream, for whichever process serves it. The bus calls `deliver` and nothing else per message.
 */
export interface Delivery {
  /** `in-process` or `redis`: which transport this is. */
  readonly kind: string;
  /**
   * True when publishing an agent needs I/O: the bus then refuses the synchronous `registerAgent` and
   * `unregisterAgent` (use `registerAgentAsync` / `unregisterAgentAsync`), so no registration fails unseen.
   */
  readonly asyncRegistration: boolean;
  /** Delivers an allowed message; settles exactly once, never throws. */
  deliver(message: AgentMessage, now: number, fireAndForget: boolean): DeliveryOutcome | Promise<DeliveryOutcome>;
  /** Makes a just-registered local agent reachable (in Redis: the shared registry and its inbox read here). */
  publish(agent: RegisteredAgent): Promise<void>;
  /** Withdraws a local agent that was just unregistered. */
  withdraw(agentId: string): Promise<void>;
  /** Called once every in-flight send settled: stops reading, withdraws local agents, disconnects. */
  close(): Promise<void>;
}
