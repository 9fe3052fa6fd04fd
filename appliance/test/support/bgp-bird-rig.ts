// One BIRD 2 and one BgpSpeaker (with its Adj-RIB-In) on loopback addresses of the caller's
// choosing, for the interop tests of graceful restart, max-prefix, TCP MD5 and collisions.
// BIRD runs as a child process stopped by its pid (harness Bird).
import { Bird, type BirdRoute, eventually, freePort } from '@ferry/harness';
import pino from 'pino';
import { AdjRibIn } from '../../src/bgp/rib/rib.js';
import type { NeighborConfig } from '../../src/bgp/session/neighbors.js';
import { BgpSpeaker, type SpeakerOptions } from '../../src/bgp/session/speaker.js';

export const BIRD_AS = 65002;
export const FERRY_AS = 65010;

export interface BirdRig {
  bird: Bird;
  speaker: BgpSpeaker;
  rib: AdjRibIn;
  downs: { reason: string; graceful: boolean }[];
  neighbor: NeighborConfig;
  stop(): Promise<void>;
}

export interface BirdRigOptions {
  birdAddress: string;
  ferryAddress: string;
  /** BIRD's port (default: a free one) */
  birdPort?: number;
  /** BIRD waits, the appliance connects (default: BIRD connects) */
  birdPassive?: boolean;
  /** both sides connect (the collision test) */
  bothActive?: boolean;
  routes4?: (BirdRoute | string)[];
  routes6?: (BirdRoute | string)[];
  /** lines in BIRD's bgp protocol block */
  birdOptions?: string[];
  /** fields of the appliance's neighbor */
  neighbor?: Partial<NeighborConfig>;
  speaker?: Partial<SpeakerOptions>;
  /** runs once BIRD is up, before the speaker starts */
  beforeSpeaker?(bird: Bird): Promise<void>;
}

export async function startBirdRig(o: BirdRigOptions): Promise<BirdRig> {
  const birdPort = o.birdPort ?? (await freePort(o.birdAddress));
  const ferryPort = await freePort(o.ferryAddress);
  const ferryActive = o.birdPassive || o.bothActive;
  const neighbor: NeighborConfig = {
    address: o.birdAddress,
    port: birdPort,
    peerAs: BIRD_AS,
    localAs: FERRY_AS,
    routerId: o.ferryAddress,
    mode: ferryActive ? 'active' : 'passive',
    holdTimeSec: 9,
    connectRetrySec: 1,
    // An active appliance connects from its own address, so BIRD sees the one it expects.
    ...(ferryActive ? { localAddress: o.ferryAddress } : {}),
    ...o.neighbor,
  };
  const rib = new AdjRibIn();
  const downs: BirdRig['downs'] = [];
  const speaker = new BgpSpeaker({
    neighbors: [neighbor],
    ...(o.birdPassive ? {} : { listen: { host: o.ferryAddress, port: ferryPort } }),
    logger: pino({ level: process.env.FERRY_TEST_LOG ?? 'silent' }),
    rib,
    onPeerDown: (_peer, reason, graceful) => downs.push({ reason, graceful }),
    maxBackoffSec: 1,
    ...o.speaker,
  });
  const bird = await Bird.start({
    localAddress: o.birdAddress,
    localPort: birdPort,
    localAs: BIRD_AS,
    neighborAddress: o.ferryAddress,
    neighborPort: ferryPort,
    neighborAs: FERRY_AS,
    passive: o.birdPassive ?? false,
    routes4: o.routes4 ?? [],
    routes6: o.routes6 ?? [],
    ipv6NextHop: '2001:db8::2',
    options: o.birdOptions ?? [],
  });
  const rig: BirdRig = {
    bird,
    speaker,
    rib,
    downs,
    neighbor,
    async stop() {
      // BIRD first: its Cease closes the session, so the speaker has no connection to wait for.
      await bird.stop();
      await speaker.stop();
    },
  };
  try {
    await o.beforeSpeaker?.(bird);
    await speaker.start();
  } catch (err) {
    await rig.stop();
    throw err;
  }
  return rig;
}

export function prefixes(rib: AdjRibIn): string[] {
  return rib.list({ limit: 1000 }).routes.map((r) => r.prefix);
}

export async function bothEstablished(r: BirdRig, timeoutMs = 20_000): Promise<void> {
  await eventually(
    async () =>
      r.speaker.status()[0]?.state === 'Established' && (await r.bird.sessionInfo()) === 'Established',
    { what: 'session established on both sides', timeoutMs, intervalMs: 50 },
  );
}
