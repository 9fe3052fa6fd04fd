// Black-box tests of the appliance's HTTP data plane over real sockets, run once per body
// sender: the native sendfile engine (where it loads) and the copy path.
import { waitUntil } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILL_REQUEST_HEADER } from '../src/ops/file-traffic.js';
import { loadSendfileEngine } from '../src/sendfile/binding.js';
import { type Fixture, startFixture } from './support/appliance-fixture.js';
import { get, json, rawExchange, splitResponses } from './support/http-client.js';
import { parseMultipart } from './support/multipart-parse.js';

const SIZE = 1_000_000;
const senders = loadSendfileEngine().ok ? (['sendfile', 'copy'] as const) : (['copy'] as const);

describe.each(senders)('data plane over the %s path', (bodySender) => {
  let fx: Fixture;
  let bytes: Buffer;
  const u = (p: string) => `${fx.url}${p}`;

  beforeAll(async () => {
    fx = await startFixture({ files: { 'movie.v1': SIZE, empty: 0 }, config: { bodySender } });
    bytes = fx.files.get('movie.v1')!;
  });
  afterAll(() => fx.stop());

  it('serves the whole file with validators and says which path served it', async () => {
    const r = await get(u('/v1/c/movie.v1'));
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe(String(SIZE));
    expect(r.headers['accept-ranges']).toBe('bytes');
    expect(r.headers.etag).toMatch(/^"[0-9a-f]+"$/);
    expect(r.headers['last-modified']).toMatch(/GMT$/);
    expect(r.body.equals(bytes)).toBe(true);
    const status = json(await get(`${fx.adminUrl}/v1/status`));
    expect((status.bodySender as { path: string }).path).toBe(bodySender);
    const metrics = (await get(`${fx.adminUrl}/metrics`)).body.toString();
    expect(metrics).toMatch(new RegExp(`ferry_bytes_sent_total\\{path="${bodySender}"\\} [1-9]`));
  });

  it("counts a viewer's body bytes as served, not a peer's fill request", async () => {
    fx.app.traffic.take();
    await get(u('/v1/c/movie.v1'), { range: 'bytes=0-999' });
    await get(u('/v1/c/movie.v1'), { range: 'bytes=1000-', [FILL_REQUEST_HEADER]: '1' });
    // The count is added when the appliance's send returns, which can be just after the
    // client has the last byte; a body leaves `inFlight` only after it is counted.
    await waitUntil(async () => fx.app.traffic.inFlight('movie.v1') === 0, {
      what: 'both bodies done',
      timeoutMs: 5000,
      intervalMs: 10,
    });
    expect(fx.app.traffic.take()).toEqual([{ fileId: 'movie.v1', bytes: 1000 }]);
  });

  it.each([
    ['bytes=0-0', 0, 0],
    ['bytes=100-199', 100, 199],
    ['bytes=999000-', 999_000, SIZE - 1],
    ['bytes=-500', SIZE - 500, SIZE - 1],
    ['bytes=990000-5000000', 990_000, SIZE - 1],
    ['bytes=-5000000', 0, SIZE - 1],
    ['BYTES = 10-19', 10, 19],
  ])('Range %s → 206 with the right bytes', async (range, first, last) => {
    const r = await get(u('/v1/c/movie.v1'), { Range: range });
    if (range.startsWith('BYTES =')) {
      // Whitespace before '=' is not allowed by the grammar: ignored, 200.
      expect(r.status).toBe(200);
      return;
    }
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe(`bytes ${first}-${last}/${SIZE}`);
    expect(r.headers['content-length']).toBe(String(last - first + 1));
    expect(r.body.equals(bytes.subarray(first, last + 1))).toBe(true);
  });

  it('answers several ranges as multipart/byteranges', async () => {
    const r = await get(u('/v1/c/movie.v1'), { Range: 'bytes=0-9, 500000-500099,-10' });
    expect(r.status).toBe(206);
    expect(r.headers['content-type']).toMatch(/^multipart\/byteranges; boundary=/);
    expect(Number(r.headers['content-length'])).toBe(r.body.length);
    const parts = parseMultipart(r.body, r.headers['content-type'] as string);
    expect(parts.map((p) => p.headers['content-range'])).toEqual([
      `bytes 0-9/${SIZE}`,
      `bytes 500000-500099/${SIZE}`,
      `bytes ${SIZE - 10}-${SIZE - 1}/${SIZE}`,
    ]);
    expect(parts[1]!.body.equals(bytes.subarray(500_000, 500_100))).toBe(true);
    expect(parts[2]!.body.equals(bytes.subarray(SIZE - 10))).toBe(true);
  });

  it.each(['bytes=abc', 'items=0-10', 'bytes=10-5', 'bytes=', 'bytes=1-2-3'])(
    'ignores invalid Range %s (200, whole file)',
    async (range) => {
      const r = await get(u('/v1/c/movie.v1'), { Range: range });
      expect(r.status).toBe(200);
      expect(r.body.length).toBe(SIZE);
    },
  );

  it('answers an unsatisfiable range with 416 and Content-Range: bytes */size', async () => {
    const r = await get(u('/v1/c/movie.v1'), { Range: `bytes=${SIZE}-` });
    expect(r.status).toBe(416);
    expect(r.headers['content-range']).toBe(`bytes */${SIZE}`);
    expect(json(r).error).toBe('FERRY_ERR_RANGE_NOT_SATISFIABLE');
  });

  it('applies If-Range only when the validator matches', async () => {
    const { headers } = await get(u('/v1/c/movie.v1'), {}, 'HEAD');
    const etag = headers.etag as string;
    const lastModified = headers['last-modified'] as string;
    expect((await get(u('/v1/c/movie.v1'), { Range: 'bytes=0-9', 'If-Range': etag })).status).toBe(206);
    const stale = await get(u('/v1/c/movie.v1'), { Range: 'bytes=0-9', 'If-Range': '"other"' });
    expect(stale.status).toBe(200);
    expect(stale.body.length).toBe(SIZE);
    expect((await get(u('/v1/c/movie.v1'), { Range: 'bytes=0-9', 'If-Range': `W/${etag}` })).status).toBe(
      200,
    );
    // RFC 9110 §13.1.5: a date validates only when Last-Modified is at least a second
    // older than the response's Date (a strong validator); the file was just written.
    const lastModifiedMs = Date.parse(lastModified);
    for (let i = 0; i < 40 && Date.now() < lastModifiedMs + 2100; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect((await get(u('/v1/c/movie.v1'), { Range: 'bytes=0-9', 'If-Range': lastModified })).status).toBe(
      206,
    );
    const older = new Date(Date.parse(lastModified) - 60_000).toUTCString();
    expect((await get(u('/v1/c/movie.v1'), { Range: 'bytes=0-9', 'If-Range': older })).status).toBe(200);
  });

  it('answers conditional GETs with 304 and 412', async () => {
    const { headers } = await get(u('/v1/c/movie.v1'), {}, 'HEAD');
    const r304 = await get(u('/v1/c/movie.v1'), { 'If-None-Match': headers.etag as string });
    expect(r304.status).toBe(304);
    expect(r304.body.length).toBe(0);
    const r412 = await get(u('/v1/c/movie.v1'), { 'If-Match': '"nope"' });
    expect(r412.status).toBe(412);
    expect(json(r412).error).toBe('FERRY_ERR_PRECONDITION_FAILED');
  });

  it('HEAD sends the same headers as GET and no body', async () => {
    const r = await get(u('/v1/c/movie.v1'), { Range: 'bytes=5-9' }, 'HEAD');
    expect(r.status).toBe(206);
    expect(r.headers['content-length']).toBe('5');
    expect(r.body.length).toBe(0);
    const missing = await get(u('/v1/c/nope'), {}, 'HEAD');
    expect(missing.status).toBe(404);
    expect(missing.body.length).toBe(0);
  });

  it('serves the range in the path form', async () => {
    const r = await get(u('/v1/c/movie.v1/range/1000-1999'));
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe(`bytes 1000-1999/${SIZE}`);
    expect(r.body.equals(bytes.subarray(1000, 2000))).toBe(true);
    const clamped = await get(u(`/v1/c/movie.v1/range/${SIZE - 10}-${SIZE + 10}`));
    expect(clamped.status).toBe(206);
    expect(clamped.body.length).toBe(10);
    expect((await get(u(`/v1/c/movie.v1/range/${SIZE}-${SIZE + 1}`))).status).toBe(416);
    expect(json(await get(u('/v1/c/movie.v1/range/9-1'))).error).toBe('FERRY_ERR_BAD_RANGE_PATH');
  });

  it('serves an empty file, and refuses any range on it', async () => {
    const r = await get(u('/v1/c/empty'));
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe('0');
    expect((await get(u('/v1/c/empty'), { Range: 'bytes=0-' })).status).toBe(416);
  });

  it('keeps responses in order on a pipelined keep-alive connection', async () => {
    const reqs = ['0-99', '1000-1999', '-7', '500000-999999']
      .map((r) => `GET /v1/c/movie.v1 HTTP/1.1\r\nHost: x\r\nRange: bytes=${r}\r\n\r\n`)
      .join('');
    const { data } = await rawExchange(
      fx.app.address.port,
      `${reqs}GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      {
        timeoutMs: 10_000,
      },
    );
    const responses = splitResponses(data);
    expect(responses.map((r) => r.status)).toEqual([206, 206, 206, 206, 200]);
    expect(responses[0]!.body.equals(bytes.subarray(0, 100))).toBe(true);
    expect(responses[1]!.body.equals(bytes.subarray(1000, 2000))).toBe(true);
    expect(responses[2]!.body.equals(bytes.subarray(SIZE - 7))).toBe(true);
    expect(responses[3]!.body.equals(bytes.subarray(500_000))).toBe(true);
  });
});
