// HTTPS requests for tests: node's https client trusting the test certificate, one
// connection per request unless an agent is given, and what the TLS session negotiated.

import type { Agent } from 'node:https';
import { request } from 'node:https';
import { connect, type SecureVersion, type TLSSocket } from 'node:tls';
import type { TlsStatus } from '../../src/tls/viewer-tls.js';
import { get, json } from './http-client.js';

export interface TlsReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  protocol: string | null;
  fingerprint256: string;
  /** the local port: equal on two replies means one connection */
  localPort: number;
}

export function httpsGet(
  url: string,
  ca: Buffer,
  opts: { headers?: Record<string, string>; method?: string; agent?: Agent; timeoutMs?: number } = {},
): Promise<TlsReply> {
  const u = new URL(url);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: Number(u.port),
        path: `${u.pathname}${u.search}`,
        method: opts.method ?? 'GET',
        headers: opts.headers ?? {},
        ca,
        agent: opts.agent ?? false,
        timeout: timeoutMs,
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            protocol: socket.getProtocol(),
            fingerprint256: socket.getPeerX509Certificate()?.fingerprint256 ?? '',
            localPort: socket.localPort ?? 0,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** A TLS connection with the versions given; resolves once the handshake is done. */
export function tlsConnect(
  url: string,
  ca: Buffer,
  versions: { min?: SecureVersion; max?: SecureVersion } = {},
): Promise<TLSSocket> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: u.hostname,
      port: Number(u.port),
      ca,
      ALPNProtocols: ['http/1.1'],
      ...(versions.min ? { minVersion: versions.min } : {}),
      ...(versions.max ? { maxVersion: versions.max } : {}),
      timeout: 10_000,
    });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
    socket.once('timeout', () => socket.destroy(new Error('TLS connect timed out')));
  });
}

/** Writes `raw` on a TLS connection and collects what comes back until the server closes or `until` holds. */
export function exchange(
  socket: TLSSocket,
  raw: string,
  until: (got: Buffer) => boolean,
  timeoutMs = 10_000,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new Error(
          `no full answer in ${timeoutMs} ms: ${Buffer.concat(chunks).toString('latin1').slice(0, 400)}`,
        ),
      );
    }, timeoutMs);
    const onData = (c: Buffer) => {
      chunks.push(c);
      if (until(Buffer.concat(chunks))) finish();
    };
    const finish = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', finish);
    };
    socket.on('data', onData);
    socket.once('end', finish);
    socket.write(raw);
  });
}

/** The parts of /v1/status the TLS tests read. */
export interface StatusWithTls {
  tls: Extract<TlsStatus, { enabled: true }>;
  bodySender: { path: string; reason: string };
  worker?: { index: number };
}

export async function statusOf(adminUrl: string): Promise<StatusWithTls> {
  return json(await get(`${adminUrl}/v1/status`)) as unknown as StatusWithTls;
}
