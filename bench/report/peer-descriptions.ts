import type { PeerName } from '../peers/peer.ts';

/**
 * One line per peer for reports. Kept apart from the peer modules so that writing a report never loads
 * Piscina or the bus.
 */
export const PEER_DESCRIPTIONS: Record<PeerName, string> = {
  agentbus: '`createAgentBus()` as users run it (policy, impact scoring and deliberation on): messages packed into SharedArrayBuffer rings, judged on validation threads, high-impact ones decided by the compiled deliberation templates, delivered in process.',
  'agentbus-audit': 'the default bus with the audit trail on (`audit: { file }`: every verdict appended to the hash-chained log, written on its own thread): against `agentbus`, what auditing costs.',
  'agentbus-no-deliberation': 'the same bus with `deliberation: false`: the pipeline every other peer runs, for the comparison of dispatch designs.',
  noop: 'no bus: `send` resolves at once. The load generator\'s own tail latency and cost.',
  inline: 'the no-deliberation pipeline on the main thread (`mode: inline`): no threads, no copies; the event loop pays for every check.',
  'piscina-per-message': 'the obvious design: one Piscina `run()` per message (Piscina defaults, same thread count), the worker building the same pipeline.',
  'piscina-batched': 'Piscina `run()` per batch: the messages of one event-loop turn (≤ 256) packed with the bus\'s own codec, verdicts returned in its verdict format, 4 batches in flight per thread.',
  'ring-empty': 'the bus with an empty pipeline: the transport alone, the ceiling on this machine.',
};
