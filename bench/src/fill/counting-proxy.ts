// A loopback HTTP proxy in front of an origin that counts what crosses it: requests and body
// bytes per method, and the last requests themselves. Clients are pointed at the proxy as
// their S3 endpoint; requests go upstream unchanged (the Host header included, which SigV4
// signs), so the origin sees what it would have seen. This is how `ferry bench fill` knows
// how many bytes the origin served, whoever fetched them.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  readonly method: string;
  /** path and query, as the client sent them */
  readonly path: string;
  /** upstream's status; 502 when upstream could not be reached */
  readonly status: number;
  /** request body bytes (uploads) */
  readonly bytesIn: number;
  /** response body bytes (downloads), as far as the client read them */
  readonly bytesOut: number;
}

export interface MethodCounts {
  requests: number;
  bytesIn: number;
  bytesOut: number;
}

export interface CountingProxy {
  readonly url: string;
  /** totals per method since the start or the last reset */
  counts(): Readonly<Record<string, Readonly<MethodCounts>>>;
  /** the most recent requests (at most `keep`), oldest first */
  requests(): readonly ProxiedRequest[];
  reset(): void;
  close(): Promise<void>;
}

export async function startCountingProxy(opts: {
  upstream: string;
  host?: string;
  /** most requests kept for requests() (default 100,000) */
  keep?: number;
}): Promise<CountingProxy> {
  const upstream = new URL(opts.upstream);
  const keep = opts.keep ?? 100_000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  let totals: Record<string, MethodCounts> = {};
  let log: ProxiedRequest[] = [];

  const record = (r: ProxiedRequest) => {
    totals[r.method] ??= { requests: 0, bytesIn: 0, bytesOut: 0 };
    const t = totals[r.method]!;
    t.requests++;
    t.bytesIn += r.bytesIn;
    t.bytesOut += r.bytesOut;
    log.push(r);
    if (log.length > keep) log = log.slice(-keep);
  };

  const server = http.createServer((req, res) => {
    let bytesIn = 0;
    let bytesOut = 0;
    let status = 502;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      record({ method: req.method ?? '?', path: req.url ?? '', status, bytesIn, bytesOut });
    };
    const up = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (ures) => {
        status = ures.statusCode ?? 502;
        res.writeHead(status, ures.headers);
        ures.on('data', (c: Buffer) => {
          bytesOut += c.length;
        });
        ures.pipe(res);
      },
    );
    req.on('data', (c: Buffer) => {
      bytesIn += c.length;
    });
    req.pipe(up);
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
      finish();
    });
    // A client that stops reading (a cancelled or failed-over fetch) ends the upstream
    // request too, so the bytes counted are the bytes the origin was made to send.
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
      finish();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${addr.address}:${addr.port}`,
    counts: () => structuredClone(totals),
    requests: () => [...log],
    reset() {
      totals = {};
      log = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        agent.destroy();
      }),
  };
}

/** Body bytes the origin served to GETs, and how many GETs, from a proxy's counts. */
export function originReads(counts: Readonly<Record<string, Readonly<MethodCounts>>>): {
  requests: number;
  bytes: number;
} {
  const g = counts.GET;
  return { requests: g?.requests ?? 0, bytes: g?.bytesOut ?? 0 };
}
