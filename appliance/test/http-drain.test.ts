// Drain: new requests get 503, the transfer in flight finishes with every byte.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, startFixture } from './support/appliance-fixture.js';
import { adminPost, get, json } from './support/http-client.js';

const BIG = 48 * 1024 * 1024;

describe('drain', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await startFixture({ files: { big: BIG, small: 1000 } });
  });
  afterAll(() => fx.stop());

  it('refuses new requests, finishes the one in flight, reports drained', async () => {
    // A slow reader: reads 1 MiB, pauses, so the transfer is still going when drain starts.
    let received = 0;
    let resume: () => void = () => {};
    let pausedOnce = false;
    const done = new Promise<number>((resolve, reject) => {
      const req = request(`${fx.url}/v1/c/big`, { agent: false }, (res) => {
        res.on('data', (c: Buffer) => {
          received += c.length;
          if (received > 1024 * 1024 && !pausedOnce) {
            pausedOnce = true;
            res.pause();
            resume = () => res.resume();
          }
        });
        res.on('end', () => resolve(received));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    for (let i = 0; i < 200 && received < 1024 * 1024; i++) await new Promise((r) => setTimeout(r, 10));
    expect(received).toBeGreaterThan(0);

    const drain = await adminPost(`${fx.adminUrl}/v1/drain`);
    expect(drain.status).toBe(202);
    const refused = await get(`${fx.url}/v1/c/small`);
    expect(refused.status).toBe(503);
    expect(json(refused).error).toBe('FERRY_ERR_DRAINING');
    expect(refused.headers.connection).toBe('close');
    expect((await get(`${fx.url}/healthz`)).status).toBe(503);
    expect(json(await get(`${fx.adminUrl}/v1/status`)).state).toBe('draining');

    resume();
    expect(await done).toBe(BIG);
    for (let i = 0; i < 100 && fx.app.server.state !== 'drained'; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(fx.app.server.state).toBe('drained');
  });
});
