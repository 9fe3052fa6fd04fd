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
  /** the speaker's recent log lines (debug and up), for failure messages */
  speakerLog?: LogRing;
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
  const speakerLog = new LogRing();
  const speaker = new BgpSpeaker({
    neighbors: [neighbor],
    ...(o.birdPassive ? {} : { listen: { host: o.ferryAddress, port: ferryPort } }),
    logger: speakerLog.logger(),
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
    speakerLog,
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

/** The last lines a speaker logged (debug and up), kept in memory, bounded. */
export class LogRing {
  private readonly lines: string[] = [];
  constructor(private readonly max = 40) {}
  logger(): pino.Logger {
    return pino(
      { level: 'debug' },
      {
        write: (line: string) => {
          this.lines.push(line.trimEnd());
          if (this.lines.length > this.max) this.lines.shift();
        },
      },
    );
  }
  tail(): string {
    return this.lines.join('\n');
  }
}

export function prefixes(rib: AdjRibIn): string[] {
  return rib.list({ limit: 1000 }).routes.map((r) => r.prefix);
}

export async function bothEstablished(r: BirdRig, timeoutMs = 20_000): Promise<void> {
  await explained(r, () =>
    eventually(
      async () =>
        r.speaker.status()[0]?.state === 'Established' && (await r.bird.sessionInfo()) === 'Established',
      { what: 'session established on both sides', timeoutMs, intervalMs: 50 },
    ),
  );
}

/**
 * Runs a wait; when it fails, its error also carries what each side said at that moment
 * (the speaker's status, BIRD's `show protocols all` and the tail of BIRD's log), so a
 * failure seen once on a loaded machine names its cause without a rerun.
 */
export async function explained<T>(
  r: Pick<BirdRig, 'bird' | 'speaker' | 'speakerLog'>,
  wait: () => Promise<T>,
): Promise<T> {
  try {
    return await wait();
  } catch (err) {
    const birdSays = await r.bird
      .birdc('show', 'protocols', 'all', r.bird.protocol)
      .catch((e: Error) => `birdc failed: ${e.message}`);
    const log = (await r.bird.log()).trim().split('\n').slice(-30).join('\n');
    (err as Error).message +=
      `\n--- speaker: ${JSON.stringify(r.speaker.status())}` +
      (r.speakerLog ? `\n--- speaker log (tail):\n${r.speakerLog.tail()}` : '') +
      `\n--- bird show protocols all:\n${birdSays.trim()}\n--- bird log (tail):\n${log}`;
    throw err;
  }
}
