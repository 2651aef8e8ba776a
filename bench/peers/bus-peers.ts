import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentBus, BusOptions } from '../../src/bus.ts';
import { createAgentBus } from '../../src/create-bus.ts';
import type { MessageInput } from '../../src/model/message.ts';
import { registerScenario } from '../scenario.ts';
import { benchBusOptions } from './pipeline-spec.ts';
import { outcomeOf, type Peer, type PeerDefinition, type PeerOptions } from './peer.ts';

async function busPeer(options: PeerOptions, busOptions: BusOptions, afterClose?: (bus: AgentBus) => void): Promise<Peer> {
  const bus: AgentBus = await createAgentBus(busOptions);
  registerScenario(bus, options.scenario);
  return {
    send: (message: MessageInput) => bus.send(message).then(outcomeOf),
    close: async () => {
      await bus.close();
      afterClose?.(bus);
    },
  };
}

/** A run whose audit trail missed a record measured a bus that did less than it claims: it fails. */
function assertEveryRecordWritten(bus: AgentBus): void {
  const stats = bus.auditStats();
  if (stats === null || stats.written !== stats.appended || stats.dropped + stats.overflowed + stats.lost > 0) {
    throw new Error(`agentbus-audit: the audit log did not write every record: ${JSON.stringify(stats)}`);
  }
}

/** `createAgentBus()` as users run it: policy, deliberation and impact scoring on (defaults), only the log silenced. */
export const agentbusPeer: PeerDefinition = {
  name: 'agentbus',
  create: (options) => busPeer(options, { ...benchBusOptions(options.pipeline), mode: 'workers', workers: options.workers }),
};

/**
 * The default bus with the audit trail on (`audit: { file }`, every other audit option its default: writer
 * thread, backpressure), the log in a temporary directory removed at close. Its row against `agentbus`, same
 * run, is what the audit trail costs.
 */
export const agentbusAuditPeer: PeerDefinition = {
  name: 'agentbus-audit',
  create: async (options) => {
    const dir = mkdtempSync(join(tmpdir(), 'agentbus-bench-audit-'));
    const peer = await busPeer(options, { ...benchBusOptions(options.pipeline), mode: 'workers', workers: options.workers, audit: { file: join(dir, 'audit.jsonl') } }, assertEveryRecordWritten);
    return {
      send: peer.send,
      close: async () => {
        try {
          await peer.close();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  },
};

/** The same bus with deliberation off: the pipeline the Piscina peers run, for the transport comparison. */
export const agentbusNoDeliberationPeer: PeerDefinition = {
  name: 'agentbus-no-deliberation',
  create: (options) => busPeer(options, { ...benchBusOptions(options.pipeline), deliberation: false, mode: 'workers', workers: options.workers }),
};

/** No bus at all: `send` resolves at once. Its row is the load generator's own tail and CPU. */
export const noopPeer: PeerDefinition = {
  name: 'noop',
  create: async () => ({ send: () => Promise.resolve('delivered' as const), close: async () => {} }),
};

export const inlinePeer: PeerDefinition = {
  name: 'inline',
  create: (options) => busPeer(options, { ...benchBusOptions(options.pipeline), deliberation: false, mode: 'inline' }),
};

export const ringEmptyPeer: PeerDefinition = {
  name: 'ring-empty',
  create: (options) => busPeer(options, { ...benchBusOptions('empty'), deliberation: false, mode: 'workers', workers: options.workers }),
};
