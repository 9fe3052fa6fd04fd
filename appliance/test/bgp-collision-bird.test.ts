// Connection collision (RFC 4271 §6.8) against BIRD 2: both sides configured active, both
// connect at once. Exactly one session survives (one TCP connection between the two), the
// one opened by the speaker with the higher BGP Identifier, and routes flow over it.
import { execFileSync } from 'node:child_process';
import { eventually, freePort } from '@ferry/harness';
import { afterEach, describe, expect, it } from 'vitest';
import type { Refusal } from '../src/bgp/session/listener.js';
import { type BirdRig, bothEstablished, explained, startBirdRig } from './support/bgp-bird-rig.js';
import { type DelayProxy, startDelayProxy } from './support/delay-proxy.js';

const ROUTES4 = ['10.47.0.0/16', '10.48.0.0/16'];

let rig: BirdRig | undefined;
let proxy: DelayProxy | undefined;
afterEach(async () => {
  const r = rig;
  rig = undefined;
  await r?.stop();
  await proxy?.close();
  proxy = undefined;
});

/**
 * Established TCP connections between the two addresses, from `ss`; on loopback it lists
 * both ends of each, so a connection is its pair of endpoints in either order.
 */
function connections(a: string, b: string, exceptPort?: number): string[] {
  const out = execFileSync('ss', ['-Htn', 'state', 'established'], { encoding: 'utf8', timeout: 5000 });
  const pairs = new Set<string>();
  for (const line of out.split('\n')) {
    const [local, peer] = line.trim().split(/\s+/).slice(2, 4);
    if (!local || !peer) continue;
    const ends = [local, peer].sort();
    if (exceptPort !== undefined && ends.some((e) => e.endsWith(`:${exceptPort}`))) continue;
    if (ends.some((e) => e.startsWith(`${a}:`)) && ends.some((e) => e.startsWith(`${b}:`))) {
      pairs.add(ends.join(' '));
    }
  }
  return [...pairs];
}

async function run(birdAddr: string, ferryAddr: string): Promise<{ refusals: Refusal[]; r: BirdRig }> {
  const refusals: Refusal[] = [];
  const r = await startBirdRig({
    birdAddress: birdAddr,
    ferryAddress: ferryAddr,
    bothActive: true,
    routes4: ROUTES4,
    speaker: { onRefused: (refusal) => refusals.push(refusal) },
  });
  rig = r;
  for (let round = 0; round < 3; round++) {
    await bothEstablished(r);
    await eventually(() => r.rib.size() === 2, { what: 'routes', timeoutMs: 15_000, intervalMs: 50 });
    // One session: the other connection is closed, on both ends, once the session is up.
    await explained(r, () =>
      eventually(
        () => {
          const c = connections(birdAddr, ferryAddr);
          if (c.length !== 1) throw new Error(`connections: ${JSON.stringify(c)}`);
        },
        { what: 'exactly one TCP connection', timeoutMs: 10_000, intervalMs: 100 },
      ),
    );
    // Both sides drop the session and try again at once (BIRD's connect delay is 1 s, the
    // appliance's retry 1 s): the next round collides again.
    if (round < 2) {
      await r.bird.birdc('restart', r.bird.protocol);
      await eventually(() => r.speaker.status()[0]!.state !== 'Established' || r.downs.length > round, {
        what: 'session reset',
        timeoutMs: 10_000,
        intervalMs: 20,
      });
    }
  }
  return { refusals, r };
}

describe('connection collision with BIRD 2 (both active)', () => {
  it('the appliance has the higher Identifier: one session survives, routes flow', async () => {
    const { r } = await run('127.0.0.147', '127.0.0.148');
    expect(r.speaker.status()[0]!.state).toBe('Established');
  });

  it('BIRD has the higher Identifier: one session survives, routes flow', async () => {
    const { r } = await run('127.0.0.150', '127.0.0.149');
    expect(r.speaker.status()[0]!.state).toBe('Established');
  });
});

/**
 * Both connections really in flight together: the appliance's own connection reaches BIRD
 * through a relay that dials 2.5 s late, so it sits in OpenSent while BIRD's connection
 * arrives (BIRD retries every second). The Identifiers decide which survives.
 */
async function collide(birdAddr: string, ferryAddr: string): Promise<{ r: BirdRig; birdInitiated: boolean }> {
  const birdPort = await freePort(birdAddr);
  proxy = await startDelayProxy({
    host: birdAddr,
    target: { host: birdAddr, port: birdPort, localAddress: ferryAddr },
    dialDelayMs: 2500,
  });
  const r = await startBirdRig({
    birdAddress: birdAddr,
    ferryAddress: ferryAddr,
    bothActive: true,
    birdPort,
    routes4: ROUTES4,
    neighbor: { port: proxy.port },
  });
  rig = r;
  await bothEstablished(r);
  await eventually(() => r.rib.size() === 2, { what: 'routes', timeoutMs: 15_000, intervalMs: 50 });
  const conn = await explained(r, () =>
    eventually(
      () => {
        // The appliance's leg to the relay is not a BGP connection between the two.
        const c = connections(birdAddr, ferryAddr, proxy!.port);
        if (c.length !== 1) throw new Error(`connections: ${JSON.stringify(c)}`);
        return c[0]!;
      },
      { what: 'exactly one TCP connection', timeoutMs: 10_000, intervalMs: 100 },
    ),
  );
  // BIRD's connection ends at the appliance's listener; the appliance's own at BIRD's port.
  const listenPort = r.speaker.listenAddress!.port;
  return { r, birdInitiated: String(conn).includes(`${ferryAddr}:${listenPort}`) };
}

describe('connection collision with both connections in OpenSent (RFC 4271 §6.8)', () => {
  it('BIRD has the higher Identifier: its connection survives, the appliance closes its own', async () => {
    const { r, birdInitiated } = await collide('127.0.0.152', '127.0.0.151');
    expect(birdInitiated).toBe(true);
    expect(r.speaker.status()[0]!.state).toBe('Established');
  });

  it('the appliance has the higher Identifier: its own connection survives', async () => {
    const { r, birdInitiated } = await collide('127.0.0.153', '127.0.0.154');
    expect(birdInitiated).toBe(false);
    expect(r.speaker.status()[0]!.state).toBe('Established');
    // The proxy did relay the appliance's connection (it is the one that survived).
    expect(proxy!.relayed).toBeGreaterThan(0);
  });
});
