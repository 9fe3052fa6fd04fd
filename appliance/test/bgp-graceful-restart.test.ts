// Graceful restart against BIRD 2 (RFC 4724 §4.2, the appliance as receiving speaker): BIRD
// with `graceful restart on` is killed with SIGKILL (no NOTIFICATION, its TCP connection just
// ends) and its routes stay in the appliance's RIB, marked stale, until BIRD is back and sends
// End-of-RIB, or until the restart time passes. A session closed with a NOTIFICATION drops
// them at once.
import { eventually } from '@ferry/harness';
import { afterEach, describe, expect, it } from 'vitest';
import { routesResponse } from '../src/bgp/report/routes-api.js';
import type { RibChange } from '../src/bgp/rib/rib.js';
import { type BirdRig, bothEstablished, prefixes, startBirdRig } from './support/bgp-bird-rig.js';

const BIRD_ADDR = '127.0.0.141';
const FERRY_ADDR = '127.0.0.142';
const ROUTES4 = ['10.41.0.0/16', '10.42.0.0/16', '10.43.0.0/16'];
const ROUTES6 = ['2001:db8:41::/48', '2001:db8:42::/48'];
const ALL = [...ROUTES4, ...ROUTES6];

let rig: BirdRig | undefined;
/** RIB changes after the initial table: what a route feed to control would carry */
let feed: { changes: RibChange[]; stop(): void } | undefined;
afterEach(async () => {
  const r = rig;
  rig = undefined;
  feed?.stop();
  feed = undefined;
  await r?.stop();
});

async function start(restartTimeSec: number): Promise<BirdRig> {
  rig = await startBirdRig({
    birdAddress: BIRD_ADDR,
    ferryAddress: FERRY_ADDR,
    routes4: ROUTES4,
    routes6: ROUTES6,
    birdOptions: ['graceful restart on;', `graceful restart time ${restartTimeSec};`],
    neighbor: { gracefulRestart: { restartTimeSec: 120, staleTimeSec: 360 } },
  });
  await bothEstablished(rig);
  await eventually(() => rig!.rib.size() === ALL.length, {
    what: 'all routes',
    timeoutMs: 15_000,
    intervalMs: 50,
  });
  const changes: RibChange[] = [];
  feed = { changes, stop: rig.rib.subscribe((c) => changes.push(c)) };
  return rig;
}

const staleOf = (r: BirdRig) =>
  r.rib
    .list({ limit: 100 })
    .routes.filter((x) => x.stale)
    .map((x) => x.prefix);

describe('graceful restart with BIRD 2', () => {
  it('BIRD killed: routes stay stale; back with one prefix fewer, its End-of-RIB removes that one only', async () => {
    const r = await start(60);
    // BIRD's OPEN listed both families: the peer's capability is what the appliance acts on.
    await eventually(() => r.speaker.status()[0]!.endOfRib.length === 2, {
      what: 'End-of-RIB from BIRD for both families',
      timeoutMs: 15_000,
      intervalMs: 50,
    });

    await r.bird.crash();
    await eventually(() => r.downs.length === 1, { what: 'session down', timeoutMs: 20_000, intervalMs: 50 });
    expect(r.downs[0]!.graceful).toBe(true);
    expect(prefixes(r.rib)).toEqual(ALL);
    expect(staleOf(r)).toEqual(ALL);
    expect(r.speaker.status()[0]!.gracefulRestart).toMatchObject({ state: 'restarting', staleRoutes: 5 });
    // GET /v1/routes shows them, marked; the route feed to control saw no withdrawal.
    const page = routesResponse(r.rib, new URLSearchParams({ contains: '10.42.1.1' }));
    expect(page).toMatchObject({ status: 200, body: { routes: [{ prefix: '10.42.0.0/16', stale: true }] } });
    expect(feed!.changes).toEqual([]);

    // bird -R: graceful restart recovery, its new OPEN keeps the Forwarding State bits.
    await r.bird.relaunch({ routes4: ROUTES4.slice(0, 2), routes6: ROUTES6, recovery: true });
    await bothEstablished(r, 30_000);
    await eventually(() => r.speaker.status()[0]!.gracefulRestart === undefined, {
      what: 'End-of-RIB ends the restart',
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    expect(prefixes(r.rib)).toEqual([...ROUTES4.slice(0, 2), ...ROUTES6]);
    expect(staleOf(r)).toEqual([]);
    expect(r.rib.staleCount()).toBe(0);
  });

  it('BIRD killed and not back within its restart time: the stale routes go when it passes', async () => {
    const r = await start(3);
    await r.bird.crash();
    await eventually(() => r.downs.length === 1, { what: 'session down', timeoutMs: 20_000, intervalMs: 50 });
    expect(r.rib.staleCount()).toBe(ALL.length);
    const downAt = Date.now();
    await eventually(() => r.rib.size() === 0, {
      what: 'stale routes removed',
      timeoutMs: 20_000,
      intervalMs: 50,
    });
    // Not before the 3 s BIRD advertised (timers fire late on a busy machine, never early).
    expect(Date.now() - downAt).toBeGreaterThanOrEqual(2500);
    expect(r.speaker.status()[0]!.gracefulRestart).toBeUndefined();
  });

  it('BIRD back without recovery (Forwarding State bits clear): stale routes go at its OPEN', async () => {
    const r = await start(60);
    await r.bird.crash();
    await eventually(() => r.downs.length === 1, { what: 'session down', timeoutMs: 20_000, intervalMs: 50 });
    expect(r.rib.staleCount()).toBe(ALL.length);
    await r.bird.relaunch({ routes4: ROUTES4.slice(0, 1), routes6: [] });
    await bothEstablished(r, 30_000);
    await eventually(() => prefixes(r.rib).join() === ROUTES4[0], {
      what: 'only what the new session announced',
      timeoutMs: 20_000,
      intervalMs: 50,
    });
    expect(r.rib.staleCount()).toBe(0);
  });

  it('a session closed with a NOTIFICATION (BIRD disables it: Cease) drops the routes at once', async () => {
    const r = await start(60);
    await r.bird.disable();
    await eventually(() => r.downs.length === 1, { what: 'session down', timeoutMs: 20_000, intervalMs: 50 });
    expect(r.downs[0]!.graceful).toBe(false);
    expect(r.rib.size()).toBe(0);
    expect(r.speaker.status()[0]!.gracefulRestart).toBeUndefined();
  });
});
