import { agentbusAuditPeer, agentbusNoDeliberationPeer, agentbusPeer, inlinePeer, noopPeer, ringEmptyPeer } from './bus-peers.ts';
import type { PeerDefinition, PeerName } from './peer.ts';
import { piscinaBatchedPeer, piscinaPerMessagePeer } from './piscina-peers.ts';

export { PEER_NAMES, type Peer, type PeerDefinition, type PeerName, type PeerOptions } from './peer.ts';

const PEERS: Record<PeerName, PeerDefinition> = {
  agentbus: agentbusPeer,
  'agentbus-audit': agentbusAuditPeer,
  'agentbus-no-deliberation': agentbusNoDeliberationPeer,
  noop: noopPeer,
  inline: inlinePeer,
  'piscina-per-message': piscinaPerMessagePeer,
  'piscina-batched': piscinaBatchedPeer,
  'ring-empty': ringEmptyPeer,
};

export function peerDefinition(name: PeerName): PeerDefinition {
  return PEERS[name];
}
