// The fill flags of `ferry control` (config.ts): parent tiers, origin prefix, copies, the free
// share and capacity, checked at start with a message naming the flag.
import { describe, expect, it } from 'vitest';
import { type ControlFlags, configFromFlags, DEFAULTS } from '../src/config.js';

const listen = { host: '127.0.0.1', port: 0 };
const flags = (over: Partial<ControlFlags>): ControlFlags => ({ listen, ...over });

describe('fill flags', () => {
  it('default to no tiers, the content/ prefix, one copy, 10 % free, an hour of half-life', () => {
    const c = configFromFlags(flags({}));
    expect(c.fill).toMatchObject({ parents: {}, originPrefix: 'content', minCopies: 1, keepFree: 0.1 });
    expect(c.fill.halfLifeMs).toBe(3_600_000);
    expect(c.fill.capacityBytes).toBeUndefined();
    expect(c.fill.sourceTtlSec).toBe(DEFAULTS.fill.sourceTtlSec);
  });

  it('take parent tiers, a prefix (or none), copies, a free share, a capacity and a half-life', () => {
    const c = configFromFlags(
      flags({
        fillParent: ['edge-a=core', 'core=ix'],
        originPrefix: '',
        fillMinCopies: 2,
        fillKeepFree: 0,
        fillCapacity: 5e9,
        fillHalfLifeSec: 60,
      }),
    );
    expect(c.fill).toMatchObject({
      parents: { 'edge-a': 'core', core: 'ix' },
      originPrefix: '',
      minCopies: 2,
      keepFree: 0,
      capacityBytes: 5e9,
      halfLifeMs: 60_000,
    });
  });

  it.each([
    { over: { fillParent: ['edge'] }, message: /--fill-parent must be SITE=PARENTSITE/ },
    { over: { fillParent: ['a=b', 'a=c'] }, message: /each site once/ },
    { over: { fillParent: ['a=a'] }, message: /its own parent/ },
    { over: { fillParent: ['a=b', 'b=c', 'c=a'] }, message: /loop back/ },
    { over: { fillParent: ['a=b c'] }, message: /--fill-parent/ },
    { over: { originPrefix: '/abs' }, message: /--origin-prefix/ },
    { over: { originPrefix: 'a/../b' }, message: /--origin-prefix/ },
    { over: { originPrefix: 'trailing/' }, message: /--origin-prefix/ },
    { over: { fillMinCopies: 0 }, message: /--fill-min-copies/ },
    { over: { fillKeepFree: 1 }, message: /--fill-keep-free/ },
    { over: { fillKeepFree: Number.NaN }, message: /--fill-keep-free/ },
    { over: { fillCapacity: 0.5 }, message: /--fill-capacity/ },
  ])('refuse $over', ({ over, message }) => {
    expect(() => configFromFlags(flags(over))).toThrow(message);
  });
});
