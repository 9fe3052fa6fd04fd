// A tiny node:http server that serves a generated file through one body sender, plus raw
// TCP helpers, for the sendfile tests. Requests name their parts in the query string:
// /?p=f:OFFSET:LENGTH,b:TEXT,... (f = file range, b = literal bytes).
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSendfileEngine } from '../src/sendfile/binding.js';
import type { BodyPart, BodySender, SendOutcome } from '../src/sendfile/body-sender.js';
import { partsLength } from '../src/sendfile/body-sender.js';
import { createBodySender } from '../src/sendfile/choose.js';

export const senderKinds: Array<'sendfile' | 'copy'> = loadSendfileEngine().ok
  ? ['sendfile', 'copy']
  : ['copy'];

/** Deterministic, position-dependent content so a misplaced byte is caught. */
export function pattern(size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) buf[i] = (i * 131 + (i >>> 11) * 7) & 0xff;
  return buf;
}

export function parseParts(spec: string): BodyPart[] {
  if (spec === '') return [];
  return spec.split(',').map((item): BodyPart => {
    const [kind, a = '', b = ''] = item.split(':');
    if (kind === 'b') return { kind: 'bytes', data: Buffer.from(a) };
    return { kind: 'file', offset: Number(a), length: Number(b) };
  });
}

/** The bytes a part list should produce from the file. */
export function expected(data: Buffer, parts: BodyPart[]): Buffer {
  return Buffer.concat(
    parts.map((p) => (p.kind === 'bytes' ? p.data : data.subarray(p.offset, p.offset + p.length))),
  );
}

export interface Fixture {
  port: number;
  sender: BodySender;
  server: Server;
  file: string;
  data: Buffer;
  outcomes: SendOutcome[];
  /** path served instead of the generated file, when a test sets it */
  servePath?: string;
  stop(): Promise<void>;
}

export async function startFixture(
  kind: 'sendfile' | 'copy',
  opts: { size: number; idleTimeoutMs?: number },
): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-sendfile-'));
  const file = join(dir, 'movie.bin');
  const data = pattern(opts.size);
  writeFileSync(file, data);
  const { sender } = createBodySender(kind, { idleTimeoutMs: opts.idleTimeoutMs });
  const outcomes: SendOutcome[] = [];
  const fx = { port: 0, sender, file, data, outcomes } as unknown as Fixture;
  const server = createServer((req, res) => {
    const parts = parseParts(new URL(req.url ?? '/', 'http://x').searchParams.get('p') ?? '');
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': partsLength(parts) });
    void sender.send(res, fx.servePath ?? file, parts).then((o) => outcomes.push(o));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fx.server = server;
  fx.port = (server.address() as { port: number }).port;
  fx.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await sender.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return fx;
}

export function request(path: string, close = false): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;
}

/** Sends raw request text on one connection and collects everything until the server closes. */
export function exchange(port: number, text: string, timeoutMs = 10_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('exchange timed out'));
    }, timeoutMs);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Splits a byte stream of HTTP/1.1 responses framed by Content-Length. */
export function splitResponses(buf: Buffer): RawResponse[] {
  const out: RawResponse[] = [];
  let at = 0;
  while (at < buf.length) {
    const end = buf.indexOf('\r\n\r\n', at);
    if (end < 0) throw new Error(`truncated headers at byte ${at}`);
    const lines = buf.subarray(at, end).toString('latin1').split('\r\n');
    const status = Number(lines[0]?.split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const i = line.indexOf(':');
      headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const body = buf.subarray(end + 4, end + 4 + length);
    if (body.length !== length) throw new Error(`truncated body: ${body.length} of ${length}`);
    out.push({ status, headers, body });
    at = end + 4 + length;
  }
  return out;
}

/**
 * Opens a connection, sends a request and resolves once the first bytes arrive. The socket
 * is paused in that same callback, so from then on it reads nothing: a client that stalls.
 */
export function connectAndRequest(port: number, path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request(path)));
    socket.once('data', () => {
      socket.pause();
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}
