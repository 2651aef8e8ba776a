import { resolveOptions, type ResolvedOptions } from '../../src/config.ts';
import { intakeMessage } from '../../src/intake/intake-message.ts';
import { pipelineReadsPayload, type PipelineSpec } from '../../src/pipeline/spec.ts';
import type { AcceptedMessage, MessageInput } from '../../src/model/message.ts';
import { AgentRegistry } from '../../src/delivery/registry.ts';
import { deliver } from '../../src/delivery/route.ts';
import { noopHandler, type Scenario } from '../scenario.ts';

export interface Intake {
  accepted: AcceptedMessage;
  /** Whether the pipeline reads the payload (it then crosses to the worker, encoded into the batch). */
  sendsPayload: boolean;
}

/**
 * What the Piscina peers do on the main thread, made of the bus's own parts so that the only difference
 * between them and agentbus is how a message reaches a worker and how its verdict comes back: the same
 * intake (`acceptMessage` with the size check; the payload encoded into the batch when a stage reads it) before,
 * the same in-process delivery after.
 */
export class MainSide {
  readonly options: ResolvedOptions = resolveOptions({});
  readonly registry = new AgentRegistry();
  private readonly crossing: 'all' | 'none';

  constructor(scenario: Scenario, spec: PipelineSpec) {
    this.crossing = pipelineReadsPayload(spec) ? 'all' : 'none';
    for (const agent of scenario.agents) {
      this.registry.register({ id: agent.id, tenantId: agent.tenantId, type: agent.tier, handler: noopHandler }, this.options.limits.maxIdBytes);
    }
  }

  /** Null when intake refuses the message (it never reaches a worker, as in the bus). */
  intake(input: MessageInput): Intake | null {
    const intake = intakeMessage(input, this.options, this.crossing);
    return intake.ok ? { accepted: intake.accepted, sendsPayload: intake.sendsPayload } : null;
  }

  /** Delivers an allowed message to its (synchronous, in the scenario) handler; true when it accepted it. */
  deliver(accepted: AcceptedMessage): boolean {
    const outcome = deliver(this.registry, accepted.message, Date.now());
    return !(outcome instanceof Promise) && outcome.ok;
  }
}
