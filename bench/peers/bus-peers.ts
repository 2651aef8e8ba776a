import type { AgentBus, BusOptions } from '../../src/bus.ts';
import { createAgentBus } from '../../src/create-bus.ts';
import type { MessageInput } from '../../src/model/message.ts';
import { registerScenario } from '../scenario.ts';
import { benchBusOptions } from './pipeline-spec.ts';
import type { Peer, PeerDefinition, PeerOptions } from './peer.ts';

async function busPeer(options: PeerOptions, busOptions: BusOptions): Promise<Peer> {
  const bus: AgentBus = await createAgentBus(busOptions);
  registerScenario(bus, options.scenario);
  return {
    send: (message: MessageInput) => bus.send(message).then((result) => result.status === 'delivered'),
    close: () => bus.close(),
  };
}

export const agentbusPeer: PeerDefinition = {
  name: 'agentbus',
  create: (options) => busPeer(options, { ...benchBusOptions(options.pipeline), mode: 'workers', workers: options.workers }),
};

export const inlinePeer: PeerDefinition = {
  name: 'inline',
  create: (options) => busPeer(options, { ...benchBusOptions(options.pipeline), mode: 'inline' }),
};

export const ringEmptyPeer: PeerDefinition = {
  name: 'ring-empty',
  create: (options) => busPeer(options, { ...benchBusOptions('empty'), mode: 'workers', workers: options.workers }),
};
