// Regression: for a malformed request pipelined after a valid one, the 400 was written at
// once, in front of the earlier 206 (and with a 2 MB body the 206 was lost when the
// connection closed). RFC 9112 §9.3.2: responses go out in request order; the 400 follows
// the earlier response complete, then the connection closes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, startFixture } from './support/appliance-fixture.js';
import { rawExchange, splitResponses } from './support/http-client.js';

const SIZE = 2 * 1024 * 1024;

describe.each(['sendfile', 'copy'] as const)('pipelined malformed request (%s)', (bodySender) => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await startFixture({ files: { big: SIZE }, config: { bodySender } });
  });
  afterAll(() => fx.stop());

  it.each([
    ['an unparsable request line', 'BLAH\r\n\r\n', 400, 'FERRY_ERR_BAD_REQUEST'],
    [
      'oversized headers',
      `GET /v1/c/big HTTP/1.1\r\nHost: a\r\nX: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'FERRY_ERR_HEADERS_TOO_LARGE',
    ],
  ])('answers %s after the earlier 206, complete, then closes', async (_what, bad, status, code) => {
    const good = `GET /v1/c/big HTTP/1.1\r\nHost: a\r\nRange: bytes=0-${SIZE - 1}\r\n\r\n`;
    const { data, closedByServer } = await rawExchange(fx.app.address.port, good + good + bad, {
      timeoutMs: 10_000,
    });
    const replies = splitResponses(data);
    expect(replies.map((r) => r.status)).toEqual([206, 206, status]);
    for (const r of replies.slice(0, 2)) expect(r.body.equals(fx.files.get('big')!)).toBe(true);
    expect(JSON.parse(replies[2]!.body.toString()).error).toBe(code);
    expect(closedByServer).toBe(true);
    for (let i = 0; i < 50 && fx.app.server.requestsInFlight > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(fx.app.server.requestsInFlight).toBe(0);
  });
});
