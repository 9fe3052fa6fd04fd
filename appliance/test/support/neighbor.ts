// The neighbor most BGP tests start from: passive, AS 65000 listening for AS 65001, hold
// time 90 s, retry 1 s; a test overrides what it is about.
import type { NeighborConfig } from '../../src/bgp/session/neighbors.js';

export function passiveNeighbor(over: Partial<NeighborConfig> = {}): NeighborConfig {
  return {
    address: '127.0.0.1',
    port: 179,
    peerAs: 65001,
    localAs: 65000,
    routerId: '10.0.0.1',
    mode: 'passive',
    holdTimeSec: 90,
    connectRetrySec: 1,
    ...over,
  };
}
