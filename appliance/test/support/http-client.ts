// Small HTTP helpers for tests: a plain request that returns status, headers and the whole
// body, and a raw-socket exchange for what node's client will not send (pipelining,
// oversized or malformed requests).
import { request } from 'node:http';
import { connect } from 'node:net';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export function get(
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
  timeoutMs = 10_000,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // Host and port from the URL, the path exactly as written: WHATWG URL parsing would
    // resolve `..` segments before they reach the server.
    const m = /^http:\/\/([^/]+):(\d+)(\/.*)$/.exec(url);
    if (!m) throw new Error(`test URL must be http://host:port/path, got ${url}`);
    const target = { host: m[1], port: Number(m[2]), path: m[3] };
    const req = request({ ...target, method, headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export interface Download {
  status: number;
  /** Content-Length as announced */
  length: number;
  /** body bytes that arrived before the response ended */
  bytes: number;
  ms: number;
  /** false when the connection ended before the whole body (a reset, a cut transfer) */
  complete: boolean;
}

/**
 * A GET read as fast as the client can, reporting how much of the body came and whether all
 * of it did; `progress` sees the bytes so far. A connection reset after the headers is a
 * result (complete: false), not an error.
 */
export function download(url: string, progress?: (bytes: number) => void): Promise<Download> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let answered = false;
    const req = request(url, { agent: false, timeout: 30_000 }, (res) => {
      answered = true;
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        progress?.(bytes);
      });
      res.on('error', () => {});
      res.on('close', () =>
        resolve({
          status: res.statusCode ?? 0,
          length: Number(res.headers['content-length']),
          bytes,
          ms: performance.now() - t0,
          complete: res.complete,
        }),
      );
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    req.end();
  });
}

/** An admin write as operators' tools send it: POST with a JSON content type. */
export function adminPost(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  return get(url, { 'content-type': 'application/json', ...headers }, 'POST');
}

export function json(reply: Reply): { error?: string; message?: string } & Record<string, unknown> {
  return JSON.parse(reply.body.toString('utf8'));
}

/** Sends raw bytes, collects everything until the server closes or the time runs out. */
export function rawExchange(
  port: number,
  payload: string | Buffer,
  opts: { timeoutMs?: number; endAfterWrite?: boolean } = {},
): Promise<{ data: Buffer; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closedByServer = false;
    const timer = setTimeout(() => socket.destroy(), opts.timeoutMs ?? 5000);
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', () => {
      closedByServer = true;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks), closedByServer });
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      if ((err as NodeJS.ErrnoException).code === 'ECONNRESET')
        resolve({ data: Buffer.concat(chunks), closedByServer: true });
      else reject(err);
    });
    socket.write(payload);
    if (opts.endAfterWrite) socket.end();
  });
}

/** Splits a buffer of consecutive HTTP/1.1 responses that all carry Content-Length. */
export function splitResponses(
  data: Buffer,
): { status: number; headers: Record<string, string>; body: Buffer }[] {
  const out: { status: number; headers: Record<string, string>; body: Buffer }[] = [];
  let off = 0;
  for (let guard = 0; off < data.length && guard < 1000; guard++) {
    const headEnd = data.indexOf('\r\n\r\n', off);
    if (headEnd < 0) throw new Error(`incomplete response head at ${off}`);
    const lines = data.subarray(off, headEnd).toString('latin1').split('\r\n');
    const status = Number(lines[0]!.split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
    }
    const len = Number(headers['content-length'] ?? 0);
    out.push({ status, headers, body: data.subarray(headEnd + 4, headEnd + 4 + len) });
    off = headEnd + 4 + len;
  }
  return out;
}
