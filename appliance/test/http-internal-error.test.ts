// A content request whose handling throws, before any await or after one, is answered with
// the catalogue's 500 (not left hanging, not a crash), and the next request is served.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, startFixture } from './support/appliance-fixture.js';

let fx: Fixture;
beforeAll(async () => {
  // 'big' is over the small-body limit, so its body always takes the path that waits.
  fx = await startFixture({ files: { small: 1000, big: 200_000 } });
});
afterAll(() => fx?.stop());

async function get(path: string, range?: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${fx.url}${path}`, {
    headers: range ? { range } : {},
    signal: AbortSignal.timeout(5000),
  });
  return { status: res.status, body: await res.text() };
}

describe('a content request that fails inside the appliance', () => {
  it('answers 500 when the failure comes before any wait (the decision)', async () => {
    const store = fx.app.store;
    const lookup = store.lookup.bind(store);
    store.lookup = () => {
      throw new Error('lookup failed');
    };
    try {
      const r = await get('/v1/c/small', 'bytes=0-99');
      expect(r.status).toBe(500);
      expect(JSON.parse(r.body)).toMatchObject({ error: 'FERRY_ERR_INTERNAL' });
    } finally {
      store.lookup = lookup;
    }
    expect((await get('/v1/c/small', 'bytes=0-99')).status).toBe(206);
  });

  it('answers 500 when the failure comes on the path that waits (a body counted in flight)', async () => {
    const traffic = fx.app.traffic;
    const begin = traffic.begin.bind(traffic);
    traffic.begin = () => {
      throw new Error('count failed');
    };
    try {
      const r = await get('/v1/c/big', 'bytes=0-99999');
      expect(r.status).toBe(500);
      expect(JSON.parse(r.body)).toMatchObject({ error: 'FERRY_ERR_INTERNAL' });
    } finally {
      traffic.begin = begin;
    }
    const ok = await get('/v1/c/big', 'bytes=0-99999');
    expect(ok.status).toBe(206);
    expect(ok.body.length).toBeGreaterThan(0);
    expect(traffic.inFlight('big')).toBe(0);
  });
});
