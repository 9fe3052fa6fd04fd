import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareBodies } from '../src/dataplane/check-bodies.js';

const DATA = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 251));

function rangeServer(mode: 'good' | 'whole' | 'wrong'): Server {
  return createServer((req, res) => {
    const m = (req.headers.range ?? '').match(/^bytes=(\d+)-(\d+)$/);
    if (!m || mode === 'whole') {
      res.writeHead(200, { 'content-length': DATA.length }).end(DATA);
      return;
    }
    const body = Buffer.from(DATA.subarray(Number(m[1]), Number(m[2]) + 1));
    if (mode === 'wrong') body[0]! ^= 0xff;
    res.writeHead(206, { 'content-length': body.length }).end(body);
  });
}

const servers: Record<string, { server: Server; url: string }> = {};

beforeAll(async () => {
  for (const mode of ['good', 'whole', 'wrong'] as const) {
    const server = rangeServer(mode);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers[mode] = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }
});

afterAll(async () => {
  await Promise.all(Object.values(servers).map(({ server }) => new Promise((r) => server.close(r))));
});

const requests = [
  { path: '/v1/c/a', range: 'bytes=0-1023' },
  { path: '/v1/c/a', range: 'bytes=2048-3071' },
];

describe('compareBodies', () => {
  it('passes a server that sends the same 206 bytes as the anchor', async () => {
    expect(await compareBodies(servers.good!.url, servers.good!.url, requests)).toBeNull();
  });

  it('fails a server that answers 200 with the whole file', async () => {
    expect(await compareBodies(servers.good!.url, servers.whole!.url, requests)).toMatch(/with 200/);
  });

  it('fails a server that sends other bytes', async () => {
    expect(await compareBodies(servers.good!.url, servers.wrong!.url, requests)).toMatch(/different bytes/);
  });

  it('throws when the anchor itself does not answer the range', async () => {
    await expect(compareBodies(servers.whole!.url, servers.good!.url, requests)).rejects.toThrow(
      /^nginx answered/,
    );
  });
});
