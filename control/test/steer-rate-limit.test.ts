// --steer-rate-limit: token buckets per client address (the one steering uses, so behind a
// trusted proxy the X-Forwarded-For client), 429 FERRY_ERR_RATE_LIMITED with Retry-After
// beyond it, bounded memory; and off by default.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../src/config.js';
import { RateLimiter } from '../src/steering/rate-limit.js';
import { type Fixture, startFixture, steer } from './helpers/control-fixture.js';

describe('RateLimiter', () => {
  it('allows a burst, then one request per 1/rate second', () => {
    const l = new RateLimiter({ rate: 4 });
    expect([0, 0, 0, 0].map(() => l.take('a', 1000))).toEqual([0, 0, 0, 0]);
    expect(l.take('a', 1000)).toBe(250);
    expect(l.take('b', 1000)).toBe(0);
    expect(l.take('a', 1250)).toBe(0);
    expect(l.take('a', 1250)).toBe(250);
  });

  it('forgets idle buckets and keeps at most maxClients', () => {
    const l = new RateLimiter({ rate: 2, maxClients: 100 });
    for (let i = 0; i < 1000; i++) l.take(`10.0.${i >> 8}.${i & 255}`, 0);
    expect(l.size).toBe(100);
    // A bucket untouched for burst/rate (1 s) is full again: dropped.
    l.take('x', 1000);
    expect(l.size).toBe(1);
  });
});

describe('POST /v1/steer with --steer-rate-limit 5', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ steerRateLimit: 5 });
  });
  afterAll(async () => {
    await f?.close();
  });

  it('answers 429 with Retry-After past the burst, per client address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await steer(f, '198.51.100.7')).status);
    expect(statuses.every((s) => s !== 429)).toBe(true);
    const refused = await steer(f, '198.51.100.7');
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ error: 'FERRY_ERR_RATE_LIMITED' });
    expect(refused.json.message).toMatch(/from 198\.51\.100\.7/);
    expect(refused.headers.get('retry-after')).toBe('1');
    // Another client behind the same trusted proxy has its own bucket.
    expect((await steer(f, '198.51.100.8')).status).not.toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await steer(f, '198.51.100.7')).status).not.toBe(429);
  });
});

describe('the default', () => {
  it('is off', () => {
    expect(DEFAULTS.steerRateLimit).toBe(0);
  });
});
