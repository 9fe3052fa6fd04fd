// CORS on content URLs: a page on another origin (hls.js, dash.js in a browser) reads range
// answers and errors alike, and its preflight for a Range request is answered. Both body
// engines (sendfile and copy) write the same headers; a real appliance on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, startFixture } from './support/appliance-fixture.js';
import { get } from './support/http-client.js';

const EXPOSED = ['content-range', 'content-length', 'accept-ranges'];

function expectCors(headers: Record<string, string | string[] | undefined>): void {
  expect(headers['access-control-allow-origin']).toBe('*');
  const exposed = String(headers['access-control-expose-headers'] ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase());
  for (const h of EXPOSED) expect(exposed).toContain(h);
}

for (const bodySender of ['sendfile', 'copy'] as const) {
  describe(`CORS on /v1/c/ (${bodySender})`, () => {
    let fx: Fixture;
    beforeAll(async () => {
      fx = await startFixture({ files: { 'f-cors': 5000 }, config: { bodySender } });
    });
    afterAll(() => fx.stop());

    it('answers a preflight for a Range GET with 204 and what it allows', async () => {
      const r = await get(
        `${fx.url}/v1/c/f-cors?t=x`,
        {
          origin: 'http://player.example',
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'range',
        },
        'OPTIONS',
      );
      expect(r.status).toBe(204);
      expect(r.headers['access-control-allow-origin']).toBe('*');
      expect(String(r.headers['access-control-allow-methods'])).toMatch(/GET.*HEAD|HEAD.*GET/);
      expect(String(r.headers['access-control-allow-headers']).toLowerCase()).toContain('range');
      expect(Number(r.headers['access-control-max-age'])).toBeGreaterThan(0);
      expect(r.body.length).toBe(0);
    });

    it('adds the headers to a 206 range answer, with its bytes intact', async () => {
      const r = await get(`${fx.url}/v1/c/f-cors`, {
        origin: 'http://player.example',
        range: 'bytes=100-199',
      });
      expect(r.status).toBe(206);
      expectCors(r.headers);
      expect(r.headers['content-range']).toBe('bytes 100-199/5000');
      expect(r.body.equals(fx.files.get('f-cors')!.subarray(100, 200))).toBe(true);
    });

    it('adds them to a 200, a HEAD and a multi-range answer', async () => {
      expectCors((await get(`${fx.url}/v1/c/f-cors`)).headers);
      expectCors((await get(`${fx.url}/v1/c/f-cors`, {}, 'HEAD')).headers);
      const multi = await get(`${fx.url}/v1/c/f-cors`, { range: 'bytes=0-9,20-29' });
      expect(multi.status).toBe(206);
      expectCors(multi.headers);
    });

    it('adds them to a 404 for a file it does not hold', async () => {
      const r = await get(`${fx.url}/v1/c/not-held`, { origin: 'http://player.example' });
      expect(r.status).toBe(404);
      expectCors(r.headers);
    });

    it('adds them to a 416 for a range past the end', async () => {
      const r = await get(`${fx.url}/v1/c/f-cors`, { range: 'bytes=9000-9999' });
      expect(r.status).toBe(416);
      expectCors(r.headers);
      expect(r.headers['content-range']).toBe('bytes */5000');
    });

    it('adds them to a 405, whose Allow names OPTIONS', async () => {
      const r = await get(`${fx.url}/v1/c/f-cors`, {}, 'DELETE');
      expect(r.status).toBe(405);
      expectCors(r.headers);
      expect(r.headers.allow).toBe('GET, HEAD, OPTIONS');
    });
  });
}
