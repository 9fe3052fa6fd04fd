// Interop with BIRD 2 on loopback: the appliance's speaker and Adj-RIB-In against a real
// router, with BIRD connecting (active) and with BIRD waiting (passive).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIRD_BIN, Bird, type BirdRoute, birdConfig, eventually, freePort } from '@ferry/harness';
import { afterEach, describe, expect, it } from 'vitest';
import { AdjRibIn } from '../src/bgp/rib/rib.js';
import type { NeighborConfig } from '../src/bgp/session/neighbors.js';
import { BgpSpeaker } from '../src/bgp/session/speaker.js';
import { explained, LogRing } from './support/bgp-bird-rig.js';

// Addresses of their own, so a parallel test file on 127.0.0.1 cannot collide with these.
const BIRD_ADDR = '127.0.0.42';
const FERRY_ADDR = '127.0.0.43';
const BIRD_AS = 65002;
const FERRY_AS = 65010;
const V6_NEXT_HOP = '2001:db8::2';

const ROUTES4: BirdRoute[] = [
  { prefix: '10.10.0.0/16', communities: [[65000, 1]], largeCommunities: [[65000, 1, 2]] },
  { prefix: '10.11.0.0/16' },
  { prefix: '192.0.2.0/24', communities: [[65000, 24]] },
];
const ROUTES6: BirdRoute[] = [
  { prefix: '2001:db8:10::/48', communities: [[65000, 6]], largeCommunities: [[65000, 6, 48]] },
  { prefix: '2001:db8:11::/48' },
];

interface Rig {
  bird: Bird;
  speaker: BgpSpeaker;
  speakerLog: LogRing;
  rib: AdjRibIn;
  downs: string[];
}

let rig: Rig | undefined;

afterEach(async () => {
  const r = rig;
  rig = undefined;
  // BIRD first: its Cease closes the session, so the speaker has no connection left to wait for.
  await r?.bird.stop();
  await r?.speaker.stop();
});

async function startRig(birdPassive: boolean): Promise<Rig> {
  const birdPort = await freePort(BIRD_ADDR);
  const ferryPort = await freePort(FERRY_ADDR);
  const neighbor: NeighborConfig = {
    address: BIRD_ADDR,
    port: birdPort,
    peerAs: BIRD_AS,
    localAs: FERRY_AS,
    routerId: FERRY_ADDR,
    // The appliance connects when BIRD only listens, and listens when BIRD connects.
    mode: birdPassive ? 'active' : 'passive',
    holdTimeSec: 9,
    connectRetrySec: 1,
  };
  const rib = new AdjRibIn();
  const downs: string[] = [];
  const speakerLog = new LogRing();
  const speaker = new BgpSpeaker({
    neighbors: [neighbor],
    ...(birdPassive ? {} : { listen: { host: FERRY_ADDR, port: ferryPort } }),
    logger: speakerLog.logger(),
    onUpdate: (peer, update) => rib.apply(peer, update),
    onPeerDown: (peer, reason) => {
      downs.push(reason);
      rib.dropPeer(peer);
    },
    maxBackoffSec: 1,
  });
  const bird = await Bird.start({
    localAddress: BIRD_ADDR,
    localPort: birdPort,
    localAs: BIRD_AS,
    // An active appliance connects from its source address; on loopback that is 127.0.0.1.
    neighborAddress: birdPassive ? '127.0.0.1' : FERRY_ADDR,
    neighborPort: ferryPort,
    neighborAs: FERRY_AS,
    passive: birdPassive,
    routes4: ROUTES4,
    routes6: ROUTES6,
    ipv6NextHop: V6_NEXT_HOP,
  });
  rig = { bird, speaker, speakerLog, rib, downs };
  await speaker.start();
  return rig;
}

function prefixes(rib: AdjRibIn): string[] {
  return rib.list({ limit: 100 }).routes.map((r) => r.prefix);
}

const established = (r: Rig) => async () =>
  r.speaker.status()[0]?.state === 'Established' && (await r.bird.sessionInfo()) === 'Established';

describe('BGP interop with BIRD 2', () => {
  it('writes configs that BIRD itself accepts (bird -p)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-bird-parse-'));
    try {
      for (const passive of [false, true]) {
        const file = join(dir, 'bird.conf');
        const text = birdConfig({
          localAddress: BIRD_ADDR,
          localPort: 1790,
          localAs: BIRD_AS,
          neighborAddress: FERRY_ADDR,
          neighborPort: 1791,
          neighborAs: FERRY_AS,
          passive,
          routes4: [...ROUTES4, '198.51.100.0/24'],
          routes6: ROUTES6,
        });
        expect(text).toContain('bgp_large_community.add((65000,1,2));');
        expect(text.includes('passive on;')).toBe(passive);
        writeFileSync(file, text);
        execFileSync(BIRD_BIN, ['-p', '-c', file], { stdio: 'pipe', timeout: 5000 });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('BIRD active: IPv4 and IPv6 routes arrive with their attributes; withdrawals and a restart follow', async () => {
    const r = await startRig(false);
    await explained(r, () =>
      eventually(established(r), { what: 'session established', timeoutMs: 15_000, intervalMs: 50 }),
    );
    await eventually(() => r.rib.size() === 5, { what: 'all routes', timeoutMs: 15_000, intervalMs: 50 });
    const [v4] = r.rib.list({ limit: 10, contains: '10.10.1.1' }).routes;
    expect(v4).toMatchObject({
      prefix: '10.10.0.0/16',
      peer: BIRD_ADDR,
      origin: 'igp',
      asPath: [BIRD_AS],
      // eBGP: BIRD announces itself as next hop (RFC 4271 §5.1.3).
      nextHop: BIRD_ADDR,
      communities: ['65000:1'],
      largeCommunities: ['65000:1:2'],
    });
    const [v6] = r.rib.list({ limit: 10, contains: '2001:db8:10::1' }).routes;
    expect(v6).toMatchObject({
      prefix: '2001:db8:10::/48',
      asPath: [BIRD_AS],
      nextHop: V6_NEXT_HOP,
      communities: ['65000:6'],
      largeCommunities: ['65000:6:48'],
    });
    expect(r.rib.list({ limit: 10, contains: '10.11.0.1' }).routes[0]).toMatchObject({
      communities: [],
      largeCommunities: [],
    });

    await r.bird.setRoutes({ routes4: ROUTES4.slice(0, 1), routes6: ROUTES6.slice(1) });
    await eventually(() => r.rib.size() === 2, { what: 'withdrawals', timeoutMs: 15_000, intervalMs: 50 });
    expect(prefixes(r.rib)).toEqual(['10.10.0.0/16', '2001:db8:11::/48']);

    await r.bird.restart();
    await eventually(() => r.downs.length > 0, { what: 'session down', timeoutMs: 15_000, intervalMs: 50 });
    await explained(r, () =>
      eventually(established(r), { what: 'session back', timeoutMs: 15_000, intervalMs: 50 }),
    );
    await eventually(() => r.rib.size() === 2, { what: 'routes back', timeoutMs: 15_000, intervalMs: 50 });
    expect(prefixes(r.rib)).toEqual(['10.10.0.0/16', '2001:db8:11::/48']);
  });

  it('BIRD passive: the appliance connects; disabling the session in BIRD drops its routes', async () => {
    const r = await startRig(true);
    await explained(r, () =>
      eventually(established(r), { what: 'session established', timeoutMs: 15_000, intervalMs: 50 }),
    );
    await eventually(() => r.rib.size() === 5, { what: 'all routes', timeoutMs: 15_000, intervalMs: 50 });
    expect(prefixes(r.rib)).toEqual([
      '10.10.0.0/16',
      '10.11.0.0/16',
      '192.0.2.0/24',
      '2001:db8:10::/48',
      '2001:db8:11::/48',
    ]);

    await r.bird.disable();
    await eventually(() => r.rib.size() === 0, { what: 'routes dropped', timeoutMs: 15_000, intervalMs: 50 });
    expect(r.downs.length).toBe(1);
    await r.bird.enable();
    await explained(r, () =>
      eventually(established(r), { what: 'session back', timeoutMs: 15_000, intervalMs: 50 }),
    );
    await eventually(() => r.rib.size() === 5, { what: 'routes back', timeoutMs: 15_000, intervalMs: 50 });
  });
});
