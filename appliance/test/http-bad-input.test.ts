// Bad input of every kind gets a clear JSON error and leaves the appliance serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, startFixture } from './support/appliance-fixture.js';
import { get, json, rawExchange } from './support/http-client.js';

describe('bad input', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await startFixture({ config: { limits: { headersTimeoutMs: 1000, requestTimeoutMs: 1500 } } });
  });
  afterAll(() => fx.stop());

  it.each([
    ['/v1/c/..%2Fetc%2Fpasswd', 400],
    ['/v1/c/%2e%2e', 400],
    ['/v1/c/../etc/passwd', 400],
    ['/v1/c/f-small/range/../../f-small', 400],
    ['/v1/c/.hidden', 400],
    ['/v1/c/a%00b', 400],
    ['/v1/c/a%5Cb', 400],
    [`/v1/c/${'x'.repeat(129)}`, 400],
    ['/v1/c/', 400],
    ['/v1/c/f-small/range/1-', 400],
    ['/v1/c/f-small/range/99999999999999999999-1', 400],
    ['/v1/c/f-small/extra', 400],
    ['/v1/c/not-here', 404],
    ['/nothing/here', 404],
  ])('GET %s → %i with a JSON error body', async (path, status) => {
    const r = await get(`${fx.url}${path}`);
    expect(r.status).toBe(status);
    expect(r.headers['content-type']).toBe('application/json');
    const body = json(r);
    expect(body.error).toMatch(/^FERRY_ERR_/);
    expect(typeof body.message).toBe('string');
  });

  it('refuses other methods with 405 and Allow', async () => {
    const r = await get(`${fx.url}/v1/c/f-small`, {}, 'DELETE');
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, HEAD, OPTIONS');
    expect(json(r).error).toBe('FERRY_ERR_METHOD_NOT_ALLOWED');
  });

  it('answers oversized headers with 431', async () => {
    const { data } = await rawExchange(
      fx.app.address.port,
      `GET /v1/c/f-small HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    const text = data.toString();
    expect(text).toMatch(/^HTTP\/1\.1 431 /);
    expect(text).toContain('FERRY_ERR_HEADERS_TOO_LARGE');
  });

  it('answers unparsable requests with 400', async () => {
    const { data } = await rawExchange(fx.app.address.port, 'BLAH\r\n\r\n');
    expect(data.toString()).toMatch(/^HTTP\/1\.1 400 [\s\S]*FERRY_ERR_BAD_REQUEST/);
  });

  it('closes a slowloris connection that never finishes its headers', async () => {
    const started = Date.now();
    const { data, closedByServer } = await rawExchange(
      fx.app.address.port,
      'GET /v1/c/f-small HTTP/1.1\r\nHost: x\r\n',
      {
        timeoutMs: 10_000,
      },
    );
    expect(closedByServer).toBe(true);
    expect(Date.now() - started).toBeLessThan(9000);
    expect(data.toString()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('still serves after all of that', async () => {
    const r = await get(`${fx.url}/v1/c/f-small`, { Range: 'bytes=0-99' });
    expect(r.status).toBe(206);
    expect(r.body.equals(fx.files.get('f-small')!.subarray(0, 100))).toBe(true);
  });
});
