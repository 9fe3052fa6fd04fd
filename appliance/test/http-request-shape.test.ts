// Regression: a request with two Host headers and one with an "HTTP/2.0" request line were
// served, and 2,000 small headers (~23 KB on the wire) passed the 16 KiB header limit
// because node's maxHeaderSize counts only names and values. RFC 9112 §3.2: 400 for more
// than one Host, or none in HTTP/1.1; RFC 9110 §15.6.6: 505 for an unsupported major
// version; the header limit counts the header block as sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headerWireBytes } from '../src/http/request-shape.js';
import { type Fixture, startFixture } from './support/appliance-fixture.js';
import { rawExchange, splitResponses } from './support/http-client.js';

describe('request message checks', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await startFixture();
  });
  afterAll(() => fx.stop());

  const send = async (raw: string, port = fx.app.address.port) => {
    const { data, closedByServer } = await rawExchange(port, raw);
    const [r] = splitResponses(data);
    return {
      status: r?.status,
      error:
        r?.headers['content-type'] === 'application/json' ? JSON.parse(r.body.toString()).error : undefined,
      closedByServer,
    };
  };

  it('refuses two Host headers with 400 and closes', async () => {
    const r = await send('GET /v1/c/f-small HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n');
    expect(r).toMatchObject({ status: 400, error: 'FERRY_ERR_BAD_HOST', closedByServer: true });
  });

  it('refuses an HTTP/1.1 request without Host, serves HTTP/1.0 without one', async () => {
    expect(await send('GET /v1/c/f-small HTTP/1.1\r\n\r\n')).toMatchObject({
      status: 400,
      error: 'FERRY_ERR_BAD_HOST',
    });
    expect((await send('GET /v1/c/f-small HTTP/1.0\r\n\r\n')).status).toBe(200);
  });

  it('answers HTTP/2.0 on a request line with 505', async () => {
    const r = await send('GET /v1/c/f-small HTTP/2.0\r\nHost: a\r\n\r\n');
    expect(r).toMatchObject({
      status: 505,
      error: 'FERRY_ERR_HTTP_VERSION_NOT_SUPPORTED',
      closedByServer: true,
    });
  });

  it('counts the header block as on the wire: 2,000 small headers are 431', async () => {
    let headers = '';
    for (let i = 0; i < 2000; i++) headers += `x${i}: y\r\n`;
    expect(Buffer.byteLength(headers)).toBeGreaterThan(16 * 1024);
    const r = await send(`GET /v1/c/f-small HTTP/1.1\r\nHost: a\r\n${headers}\r\n`);
    expect(r).toMatchObject({ status: 431, error: 'FERRY_ERR_HEADERS_TOO_LARGE', closedByServer: true });
  });

  it('still serves a header block just under the limit', async () => {
    let headers = '';
    for (let i = 0; headers.length < 15 * 1024; i++) headers += `x${i}: y\r\n`;
    const r = await send(`GET /v1/c/f-small HTTP/1.1\r\nHost: a\r\nConnection: close\r\n${headers}\r\n`);
    expect(r.status).toBe(200);
  });

  it('applies the same checks on the admin listener', async () => {
    const r = await send('GET /v1/status HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', fx.app.adminAddress.port);
    expect(r).toMatchObject({ status: 400, error: 'FERRY_ERR_BAD_HOST' });
  });

  it('sizes a header block as request line, header lines and the blank line', () => {
    const raw = 'GET /x HTTP/1.1\r\nHost: a\r\nAb: cd\r\n\r\n';
    expect(
      headerWireBytes({
        method: 'GET',
        url: '/x',
        httpVersionMajor: 1,
        httpVersionMinor: 1,
        rawHeaders: ['Host', 'a', 'Ab', 'cd'],
      }),
    ).toBe(raw.length - 2);
  });
});
