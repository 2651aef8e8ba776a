import type { BenchPipeline } from './pipeline-spec.ts';
import type { MessageInput } from '../../src/model/message.ts';
import type { Scenario } from '../scenario.ts';

/** The designs the bench compares, in the order they are listed in reports. */
export const PEER_NAMES = ['agentbus', 'inline', 'piscina-per-message', 'piscina-batched', 'ring-empty'] as const;
export type PeerName = (typeof PEER_NAMES)[number];

export interface PeerOptions {
  /** The pipeline every peer runs (except `ring-empty`, which exists to run none). */
  pipeline: BenchPipeline;
  /** Validation threads; every threaded peer gets the same number. */
  workers: number;
  scenario: Scenario;
}

/**
 * One design under test, started. `send` resolves once the message has been judged and, when allowed,
 * delivered to the scenario's no-op handler on the main thread: true when delivered. The load generator
 * times `send` itself, so every peer is measured by the same clock in the same place.
 */
export interface Peer {
  send(message: MessageInput): Promise<boolean>;
  close(): Promise<void>;
}

export interface PeerDefinition {
  name: PeerName;
  create(options: PeerOptions): Promise<Peer>;
}
