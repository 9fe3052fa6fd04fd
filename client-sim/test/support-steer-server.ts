// A stand-in for control's POST /v1/steer: answers from a catalog with the URL list a test
// chooses, and remembers who asked.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '@ferry/harness';
import { type CatalogTitle, type SegmentIndex, type SteerResponse, segmentIndexPath } from '@ferry/protocol';

export type RankedBase = { base: string; applianceId: string; site: string };

export interface SteerServer {
  url: string;
  requests: { titleId: string; remoteAddress: string | undefined }[];
  close(): Promise<void>;
}

export interface LoopbackServer {
  url: string;
  close(): Promise<void>;
}

/** Listens on a loopback port; `close` also ends the connections a client left open. */
export async function listenLoopback(server: Server): Promise<LoopbackServer> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

async function listenOnLoopback(server: Server, requests: SteerServer['requests']): Promise<SteerServer> {
  return { ...(await listenLoopback(server)), requests };
}

export function steerResponse(title: CatalogTitle, bases: RankedBase[]): SteerResponse {
  return {
    titleId: title.id,
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
    clientPrefix: '127.0.0.0/8',
    streams: title.streams.map((s) => ({
      streamId: s.streamId,
      kind: s.kind,
      bitrate: s.bitrate,
      size: s.size,
      segmentCount: s.segments.length,
      indexUrl: segmentIndexPath(title.id, s.streamId),
      urls: bases.map((b, i) => ({
        rank: i + 1,
        url: `${b.base}/v1/c/${s.streamId}`,
        applianceId: b.applianceId,
        site: b.site,
      })),
    })),
  };
}

/** The body of GET {indexUrl} for a stream of `title`, or undefined for another path. */
export function segmentIndexAnswer(title: CatalogTitle, path: string | undefined): SegmentIndex | undefined {
  const s = title.streams.find((x) => segmentIndexPath(title.id, x.streamId) === path);
  return s && { titleId: title.id, streamId: s.streamId, segments: s.segments };
}

export async function startSteerServer(title: CatalogTitle, bases: RankedBase[]): Promise<SteerServer> {
  const requests: SteerServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const index = req.method === 'GET' ? segmentIndexAnswer(title, req.url) : undefined;
      if (index) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(index));
        return;
      }
      if (req.method !== 'POST' || req.url !== '/v1/steer') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"NOT_FOUND","message":""}');
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { titleId: string };
      requests.push({ titleId: body.titleId, remoteAddress: req.socket.remoteAddress });
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(steerResponse(title, bases)));
    });
  });
  return listenOnLoopback(server, requests);
}

/** A loopback port nobody listens on (bound, then released). */
export const deadPort = (): Promise<number> => freePort();

/**
 * An origin that answers every range with 206 and then sends `bytesPerSec` (in small
 * chunks) — a congested appliance. Stops writing when the client goes away.
 */
export async function startTrickleServer(bytesPerSec: number): Promise<SteerServer> {
  const requests: SteerServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ titleId: req.url ?? '', remoteAddress: req.socket.remoteAddress });
    const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
    const length = m ? Number(m[2]) - Number(m[1]) + 1 : 1000;
    res.writeHead(206, { 'content-length': length, 'content-type': 'application/octet-stream' });
    const chunk = Math.max(1, Math.floor(bytesPerSec / 10));
    let sent = 0;
    const timer = setInterval(() => {
      const n = Math.min(chunk, length - sent);
      res.write(Buffer.alloc(n));
      sent += n;
      if (sent >= length) {
        clearInterval(timer);
        res.end();
      }
    }, 100);
    res.on('close', () => clearInterval(timer));
  });
  return listenOnLoopback(server, requests);
}
