// Paged snapshots and the routes limit over real sockets: a snapshot in progress never
// changes (let alone empties) what steering sees, out-of-order parts ask for a resync, the
// complete set is swapped in at once; a heartbeat over --max-routes-per-appliance is refused
// with FERRY_ERR_ROUTES_LIMIT and stores nothing, and bodies beyond 16 MiB are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Fixture,
  heartbeat,
  postHeartbeat,
  slash24,
  snapshotParts,
  startFixture,
  steer,
  waitHealthy,
} from './helpers/control-fixture.js';

const MAX = 1000;
let f: Fixture;

beforeAll(async () => {
  f = await startFixture({ maxRoutesPerAppliance: MAX });
  const r = await postHeartbeat(
    f,
    'a',
    heartbeat(f, { kind: 'snapshot', epoch: 'e1', version: 1, routes: [{ prefix: '10.0.0.0/8' }] }),
  );
  expect(r.status).toBe(200);
  await waitHealthy(f, 'a');
});

afterAll(async () => {
  await f?.close();
});

async function steersTo(client: string): Promise<string> {
  const r = await steer(f, client);
  return `${r.status} ${r.json.clientPrefix ?? r.json.error}`;
}

describe('a paged snapshot', () => {
  it('leaves steering on the old table until the last part, resyncs on a part out of order', async () => {
    const parts = snapshotParts('e2', 5, 900, 300);
    expect((await postHeartbeat(f, 'a', heartbeat(f, parts[0]))).json).toMatchObject({
      routesResync: false,
      routesNext: true,
    });
    expect(await steersTo('10.1.2.3')).toBe('200 10.0.0.0/8');
    expect(f.control.model.routes.count('a')).toBe(1);

    // Part 2 before part 1: the assembly is dropped and the appliance starts over.
    const skipped = await postHeartbeat(f, 'a', heartbeat(f, parts[2]));
    expect(skipped.json).toMatchObject({ routesResync: true });
    expect(skipped.json.routesNext).toBeUndefined();
    expect((await postHeartbeat(f, 'a', heartbeat(f, parts[1]))).json).toMatchObject({ routesResync: true });
    expect(await steersTo('10.1.2.3')).toBe('200 10.0.0.0/8');
    const events = await (
      await fetch(`${f.base}/v1/events?appliance=a`, {
        headers: { authorization: `Bearer ${f.fleet.tokens.viewer}` },
      })
    ).json();
    expect(events.events.map((e: { kind: string; reason?: string }) => `${e.kind} ${e.reason}`)).toContain(
      'routes-resync part 2 while expecting 1',
    );

    for (const [i, p] of parts.entries()) {
      const r = await postHeartbeat(f, 'a', heartbeat(f, p));
      expect(r.json.routesResync).toBe(false);
      expect(r.json.routesNext ?? false).toBe(i < parts.length - 1);
      // A resent part (its reply lost) changes nothing.
      if (i === 1) expect((await postHeartbeat(f, 'a', heartbeat(f, p))).json.routesNext).toBe(true);
      if (i < parts.length - 1) expect(await steersTo('10.1.2.3')).toBe('200 10.0.0.0/8');
    }
    expect(f.control.model.routes.count('a')).toBe(900);
    expect(f.control.model.routeVersion('a')).toEqual({ epoch: 'e2', version: 5 });
    expect(await steersTo(slash24(899).replace('.0/24', '.9'))).toBe(`200 ${slash24(899)}`);
    expect(await steersTo('10.1.2.3')).not.toBe('200 10.0.0.0/8');
    const stored = await f.store.getRoutes('a');
    expect(stored?.prefixes.length).toBe(900);

    // Deltas follow the assembled version as before.
    const delta = await postHeartbeat(
      f,
      'a',
      heartbeat(f, {
        kind: 'delta',
        epoch: 'e2',
        since: 5,
        version: 6,
        announced: [{ prefix: '10.0.0.0/8' }],
        withdrawn: [],
      }),
    );
    expect(delta.json.routesResync).toBe(false);
    expect(await steersTo('10.1.2.3')).toBe('200 10.0.0.0/8');
  });
});

describe('the routes limit', () => {
  it('refuses a snapshot over the limit and stores nothing', async () => {
    const routes = Array.from({ length: MAX + 1 }, (_, i) => ({ prefix: slash24(i) }));
    const r = await postHeartbeat(
      f,
      'big',
      heartbeat(f, { kind: 'snapshot', epoch: 'e', version: 1, routes }),
    );
    expect(r.status).toBe(413);
    expect(r.json).toMatchObject({ error: 'FERRY_ERR_ROUTES_LIMIT' });
    expect(r.json.message).toMatch(/1001 routes exceed --max-routes-per-appliance 1000/);
    expect(
      (
        await fetch(`${f.base}/v1/appliances/big`, {
          headers: { authorization: `Bearer ${f.fleet.tokens.viewer}` },
        })
      ).status,
    ).toBe(404);
    expect(await f.store.getRoutes('big')).toBeUndefined();
  });

  it('refuses the part that crosses the limit, keeping the table held', async () => {
    const parts = snapshotParts('e3', 1, MAX + 200, 600);
    expect((await postHeartbeat(f, 'a', heartbeat(f, parts[0]))).status).toBe(200);
    const r = await postHeartbeat(f, 'a', heartbeat(f, parts[1]));
    expect(r.status).toBe(413);
    expect(r.json.error).toBe('FERRY_ERR_ROUTES_LIMIT');
    expect(f.control.model.routeVersion('a')).toEqual({ epoch: 'e2', version: 6 });
    expect(f.control.model.routes.count('a')).toBe(901);
  });

  it('refuses a delta that would cross the limit', async () => {
    const announced = Array.from({ length: 100 }, (_, i) => ({ prefix: slash24(5000 + i) }));
    const r = await postHeartbeat(
      f,
      'a',
      heartbeat(f, { kind: 'delta', epoch: 'e2', since: 6, version: 7, announced, withdrawn: [] }),
    );
    expect(r.status).toBe(413);
    expect(r.json.error).toBe('FERRY_ERR_ROUTES_LIMIT');
    expect((await f.store.getRoutes('a'))?.version).toBe(6);
  });

  it('refuses a body beyond 16 MiB before parsing it', async () => {
    const r = await postHeartbeat(f, 'a', `{"pad":"${'x'.repeat(17 * 1024 * 1024)}"}`);
    expect(r.status).toBe(413);
    expect(r.json.error).toBe('FERRY_ERR_BODY_TOO_LARGE');
  });
});
