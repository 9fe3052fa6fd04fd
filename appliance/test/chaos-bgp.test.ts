// The bgp-flap fault on a real appliance with a BGP session from an announcing peer (the
// speaker behind `ferry announce`, with its own retry backoff): the session drops with a
// Cease, the routes leave the RIB and control hears the withdrawals in the heartbeats; the
// peer's reconnects are refused while the session is down; then the session comes back
// (after downSec, or when the fault is reverted) and the routes are learned again.
import { eventually, freePort } from '@ferry/harness';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Announcer } from '../src/bgp/announce/announce.js';
import { parsePrefix } from '../src/bgp/codec/codec.js';
import { MessageType } from '../src/bgp/codec/types.js';
import { settingsFromFlags } from '../src/bgp/session/neighbors.js';
import { RawPeer } from './support/bgp-raw-peer.js';
import { type ChaosFixture, chaosStatus, startChaosFixture, waitRunning } from './support/chaos-control.js';
import { get, json } from './support/http-client.js';

const APP_ADDR = '127.0.0.73';
const PEER_ADDR = '127.0.0.74';
const PREFIXES = ['198.51.100.0/24', '203.0.113.0/24', '192.0.2.0/25'];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function routes(f: ChaosFixture): Promise<string[]> {
  const body = json(await get(`${f.fx.adminUrl}/v1/routes`));
  return (body.routes as { prefix: string }[]).map((r) => r.prefix).sort();
}

/** Every prefix the heartbeats since `from` reported withdrawn, and announced. */
function feed(f: ChaosFixture, from: number): { announced: Set<string>; withdrawn: Set<string> } {
  const announced = new Set<string>();
  const withdrawn = new Set<string>();
  for (const r of f.control.fake.heartbeats.slice(from)) {
    const routes = r.body.routes;
    if (routes?.kind !== 'delta') continue;
    for (const x of routes.announced) announced.add(x.prefix);
    for (const p of routes.withdrawn) withdrawn.add(p);
  }
  return { announced, withdrawn };
}

async function setup(): Promise<{ f: ChaosFixture; port: number; peerReasons: string[] }> {
  const port = await freePort(APP_ADDR);
  const f = await startChaosFixture({
    config: {
      bgp: settingsFromFlags({
        bgpListen: { host: APP_ADDR, port },
        asn: 65073,
        peerAsn: 65074,
        bgpPeer: PEER_ADDR,
      }),
    },
  });
  cleanups.push(() => f.stop());
  const announcer = new Announcer({
    connect: { host: APP_ADDR, port },
    localAddress: PEER_ADDR,
    localAs: 65074,
    peerAs: 65073,
    logger: pino({ level: 'silent' }),
  });
  const peerReasons: string[] = [];
  announcer.on('state', (_s, reason) => peerReasons.push(reason));
  await announcer.announce(PREFIXES.map(parsePrefix));
  await announcer.start();
  cleanups.push(() => announcer.stop());
  await eventually(async () => expect(await routes(f)).toEqual([...PREFIXES].sort()), { timeoutMs: 10_000 });
  return { f, port, peerReasons };
}

describe('bgp-flap fault', () => {
  it('drops the session (routes withdrawn, reconnects refused) and lets it back after downSec', async () => {
    const { f, port, peerReasons } = await setup();
    const from = f.control.fake.heartbeats.length;
    const t0 = Date.now();
    f.control.want({ experimentId: 'flap', kind: 'bgp-flap', params: { downSec: 3 }, durationMs: 30_000 });
    await waitRunning(f.fx, 'flap', true);
    await eventually(async () => expect(await routes(f)).toEqual([]), { timeoutMs: 3000 });
    // RFC 4486: Administrative Reset, the session is meant to come back.
    await eventually(() => expect(peerReasons).toContain('peer sent NOTIFICATION 6/4 (Cease)'));
    await eventually(() => expect([...feed(f, from).withdrawn].sort()).toEqual([...PREFIXES].sort()));
    const status = json(await get(`${f.fx.adminUrl}/v1/status`)).bgp as { heldDown?: string };
    expect(status.heldDown).toBe('chaos experiment flap');
    // While down, a connection from the peer is refused: Cease, Connection Rejected.
    const peer = await RawPeer.connect(port, APP_ADDR, PEER_ADDR);
    expect(await peer.next()).toMatchObject({ type: MessageType.NOTIFICATION, code: 6, subcode: 5 });
    peer.close();

    // The peer retries on its own backoff and is taken once downSec is over.
    const back = f.control.fake.heartbeats.length;
    await eventually(async () => expect(await routes(f)).toEqual([...PREFIXES].sort()), {
      timeoutMs: 15_000,
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3000);
    await eventually(() => expect([...feed(f, back).announced].sort()).toEqual([...PREFIXES].sort()));
    // The fault itself runs on to its end; control's abort ends it, with nothing left to undo.
    expect((await chaosStatus(f.fx)).active.map((a) => a.experimentId)).toEqual(['flap']);
    f.control.drop('flap');
    await waitRunning(f.fx, 'flap', false);
    expect(await routes(f)).toEqual([...PREFIXES].sort());
  });

  it('without downSec holds the session down for the whole fault, until reverted', async () => {
    const { f, peerReasons } = await setup();
    f.control.want({ experimentId: 'hold', kind: 'bgp-flap', durationMs: 30_000 });
    await waitRunning(f.fx, 'hold', true);
    await eventually(async () => expect(await routes(f)).toEqual([]), { timeoutMs: 3000 });
    await eventually(() => expect(peerReasons).toContain('peer sent NOTIFICATION 6/2 (Cease)'));
    // Longer than the peer's first retries (1 s, then 2 s): still down.
    await new Promise((r) => setTimeout(r, 3500));
    expect(await routes(f)).toEqual([]);
    expect(peerReasons.filter((r) => r.includes('6/5')).length).toBeGreaterThan(0);
    f.control.drop('hold');
    await waitRunning(f.fx, 'hold', false);
    await eventually(async () => expect(await routes(f)).toEqual([...PREFIXES].sort()), {
      timeoutMs: 15_000,
    });
  });
});
