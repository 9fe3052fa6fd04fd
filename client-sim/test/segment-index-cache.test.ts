// The run's segment index cache: one fetch per index however many sessions ask at once, a
// failed fetch forgotten (the next ask fetches again), and a bound on what is kept.
import { describe, expect, it } from 'vitest';
import { SegmentIndexCache } from '../src/player/steer-client.js';

const SEGS = [{ index: 0, start: 0, length: 10, durationSec: 4 }];

describe('SegmentIndexCache', () => {
  it('fetches each index once, also for concurrent asks', async () => {
    const cache = new SegmentIndexCache();
    let fetches = 0;
    const fetch = async () => {
      fetches++;
      await new Promise((r) => setTimeout(r, 10));
      return SEGS;
    };
    const got = await Promise.all([cache.get('u1', fetch), cache.get('u1', fetch), cache.get('u1', fetch)]);
    expect(got).toEqual([SEGS, SEGS, SEGS]);
    expect(await cache.get('u1', fetch)).toBe(SEGS);
    expect(fetches).toBe(1);
  });

  it('forgets a failed fetch', async () => {
    const cache = new SegmentIndexCache();
    await expect(cache.get('u1', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(cache.size).toBe(0);
    expect(await cache.get('u1', async () => SEGS)).toBe(SEGS);
  });

  it('keeps at most its bound, the oldest dropped first', async () => {
    const cache = new SegmentIndexCache(2);
    for (const u of ['a', 'b', 'c']) await cache.get(u, async () => SEGS);
    expect(cache.size).toBe(2);
    let refetched = false;
    await cache.get('a', async () => {
      refetched = true;
      return SEGS;
    });
    expect(refetched).toBe(true);
  });
});
