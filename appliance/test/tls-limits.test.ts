// The appliance's limits hold inside TLS: a handshake that never finishes is closed after
// the header timeout (and counted), a header block that trickles in gets 408, an oversized
// one 431, and a drain refuses new requests with 503 and closes idle keep-alive connections.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, startFixture } from './support/appliance-fixture.js';
import { adminPost, get } from './support/http-client.js';
import { makeCert, type TestCert } from './support/tls-certs.js';
import { exchange, httpsGet, tlsConnect } from './support/tls-client.js';

const HEADERS_TIMEOUT_MS = 1500;

describe('limits over TLS', () => {
  let dir: string;
  let cert: TestCert;
  let fx: Fixture;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-tls-limits-'));
    cert = makeCert(dir, 'edge');
    fx = await startFixture({
      files: { clip: 20_000 },
      config: {
        tls: { certFile: cert.certFile, keyFile: cert.keyFile },
        limits: { headersTimeoutMs: HEADERS_TIMEOUT_MS, requestTimeoutMs: 3000, maxHeaderBytes: 4096 },
      },
    });
  }, 60_000);

  afterAll(async () => {
    await fx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('closes a TCP connection that never starts the handshake, and counts it', async () => {
    const u = new URL(fx.url);
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const s = tcpConnect(Number(u.port), u.hostname);
      const guard = setTimeout(() => {
        s.destroy();
        reject(new Error('server kept a silent connection open for 20 s'));
      }, 20_000);
      s.on('error', () => {});
      s.once('close', () => {
        clearTimeout(guard);
        resolve(Date.now() - started);
      });
    });
    expect(closedAfter).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 200);
    const metrics = (await get(`${fx.adminUrl}/metrics`)).body.toString();
    expect(metrics).toMatch(/ferry_tls_handshake_errors_total\{reason="timeout"\} [1-9]/);
  });

  it('answers a trickling header block with 408 and an oversized one with 431', async () => {
    const slow = await tlsConnect(fx.url, cert.cert);
    try {
      const raw = await exchange(slow, 'GET /v1/c/clip HTTP/1.1\r\nHost: edge\r\n', () => false, 15_000);
      expect(raw.toString('latin1')).toMatch(/^HTTP\/1\.1 408 /);
      expect(raw.toString('latin1')).toContain('FERRY_ERR_REQUEST_TIMEOUT');
    } finally {
      slow.destroy();
    }
    const big = await tlsConnect(fx.url, cert.cert);
    try {
      const raw = await exchange(
        big,
        `GET /v1/c/clip HTTP/1.1\r\nHost: edge\r\nX-Pad: ${'a'.repeat(6000)}\r\n\r\n`,
        () => false,
      );
      expect(raw.toString('latin1')).toMatch(/^HTTP\/1\.1 431 /);
    } finally {
      big.destroy();
    }
  }, 30_000);

  it('drains: new requests get 503, idle keep-alive connections are closed', async () => {
    const idle = await tlsConnect(fx.url, cert.cert);
    const first = await exchange(
      idle,
      'GET /v1/c/clip HTTP/1.1\r\nHost: edge\r\nRange: bytes=0-9\r\n\r\n',
      (got) => /\r\n\r\n[\s\S]{10}$/.test(got.toString('latin1')),
    );
    expect(first.toString('latin1')).toMatch(/^HTTP\/1\.1 206 /);
    const closed = new Promise<void>((resolve) => idle.once('close', () => resolve()));
    expect((await adminPost(`${fx.adminUrl}/v1/drain`)).status).toBe(202);
    await Promise.race([
      closed,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('idle TLS connection not closed')), 10_000),
      ),
    ]);
    const refused = await httpsGet(`${fx.url}/v1/c/clip`, cert.cert);
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body.toString()).error).toBe('FERRY_ERR_DRAINING');
    expect((await adminPost(`${fx.adminUrl}/v1/undrain`)).status).toBe(200);
    expect(
      (await httpsGet(`${fx.url}/v1/c/clip`, cert.cert, { headers: { Range: 'bytes=0-9' } })).status,
    ).toBe(206);
  }, 30_000);
});
