import type { AgentMessage } from '../model/message.ts';
import type { Delivery } from './delivery.ts';
import type { AgentRegistry, RegisteredAgent } from './registry.ts';
import { deliver, type DeliveryOutcome } from './route.ts';

const DONE = Promise.resolve();

/** The default transport: every agent lives in this process; a message goes straight to its handler. */
export class InProcessDelivery implements Delivery {
  readonly kind = 'in-process';
  readonly asyncRegistration = false;

  constructor(private readonly registry: AgentRegistry) {}

  deliver(message: AgentMessage, now: number, fireAndForget: boolean): DeliveryOutcome | Promise<DeliveryOutcome> {
    return deliver(this.registry, message, now, fireAndForget);
  }

  publish(_agent: RegisteredAgent): Promise<void> {
    return DONE;
  }

  withdraw(_agentId: string): Promise<void> {
    return DONE;
  }

  close(): Promise<void> {
    return DONE;
  }
}
