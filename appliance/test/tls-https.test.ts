// HTTPS on the viewers' port, end to end with node's TLS client trusting the test
// certificate: ranges, multipart, HEAD, errors and keep-alive pipelining as over HTTP;
// TLS 1.2 and 1.3 negotiate, 1.1 is refused; the bodies take the copy path (no kTLS
// key installation is built); /v1/status and /metrics say so; the admin port stays HTTP.
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, startFixture } from './support/appliance-fixture.js';
import { get } from './support/http-client.js';
import { parseMultipart } from './support/multipart-parse.js';
import { makeCert, type TestCert } from './support/tls-certs.js';
import { exchange, httpsGet, statusOf, tlsConnect } from './support/tls-client.js';

describe("HTTPS on the viewers' port", () => {
  let certDir: string;
  let cert: TestCert;
  let fx: Fixture;
  let file: Buffer;

  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'ferry-tls-'));
    cert = makeCert(certDir, 'edge', 'edge.test');
    fx = await startFixture({
      files: { clip: 300_000 },
      config: { tls: { certFile: cert.certFile, keyFile: cert.keyFile } },
    });
    file = fx.files.get('clip')!;
  }, 60_000);

  afterAll(async () => {
    await fx?.stop();
    rmSync(certDir, { recursive: true, force: true });
  });

  it('serves https:// and names it so', () => {
    expect(fx.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(fx.adminUrl).toMatch(/^http:\/\//);
  });

  it('serves a range, a whole file and HEAD over TLS 1.3 with the certificate given', async () => {
    const r = await httpsGet(`${fx.url}/v1/c/clip`, cert.cert, { headers: { Range: 'bytes=1000-200999' } });
    expect(r.status).toBe(206);
    expect(r.protocol).toBe('TLSv1.3');
    expect(r.fingerprint256).toBe(cert.fingerprint256);
    expect(r.headers['content-range']).toBe(`bytes 1000-200999/${file.length}`);
    expect(r.body.equals(file.subarray(1000, 201_000))).toBe(true);

    const whole = await httpsGet(`${fx.url}/v1/c/clip`, cert.cert);
    expect(whole.status).toBe(200);
    expect(whole.body.equals(file)).toBe(true);

    const head = await httpsGet(`${fx.url}/v1/c/clip`, cert.cert, {
      method: 'HEAD',
      headers: { Range: 'bytes=0-9' },
    });
    expect(head.status).toBe(206);
    expect(head.headers['content-length']).toBe('10');
    expect(head.body.length).toBe(0);
  });

  it('serves multipart ranges', async () => {
    const r = await httpsGet(`${fx.url}/v1/c/clip`, cert.cert, {
      headers: { Range: 'bytes=0-99,150000-150999,299990-' },
    });
    expect(r.status).toBe(206);
    const parts = parseMultipart(r.body, String(r.headers['content-type']));
    expect(parts.map((p) => p.body.length)).toEqual([100, 1000, 10]);
    expect(parts[1]!.body.equals(file.subarray(150_000, 151_000))).toBe(true);
    expect(parts[2]!.body.equals(file.subarray(299_990))).toBe(true);
  });

  it('answers errors with the catalogue codes', async () => {
    const missing = await httpsGet(`${fx.url}/v1/c/nothing`, cert.cert);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body.toString()).error).toBe('FERRY_ERR_FILE_NOT_HELD');
    const beyond = await httpsGet(`${fx.url}/v1/c/clip`, cert.cert, { headers: { Range: 'bytes=400000-' } });
    expect(beyond.status).toBe(416);
    expect(JSON.parse(beyond.body.toString()).error).toBe('FERRY_ERR_RANGE_NOT_SATISFIABLE');
    // The admin paths stay off the viewers' port over TLS too.
    expect((await httpsGet(`${fx.url}/v1/status`, cert.cert)).status).toBe(404);
  });

  it('keeps a connection alive across requests and answers pipelined ones in order', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const a = await httpsGet(`${fx.url}/v1/c/clip`, cert.cert, { agent, headers: { Range: 'bytes=0-9' } });
      const b = await httpsGet(`${fx.url}/v1/c/clip`, cert.cert, {
        agent,
        headers: { Range: 'bytes=10-19' },
      });
      expect([a.status, b.status]).toEqual([206, 206]);
      expect(b.localPort).toBe(a.localPort);
      expect(b.body.equals(file.subarray(10, 20))).toBe(true);
    } finally {
      agent.destroy();
    }

    const socket = await tlsConnect(fx.url, cert.cert);
    try {
      expect(socket.alpnProtocol).toBe('http/1.1');
      const req = (range: string) => `GET /v1/c/clip HTTP/1.1\r\nHost: edge\r\nRange: bytes=${range}\r\n\r\n`;
      const raw = await exchange(
        socket,
        req('0-4') + req('100-104') + req('200-204'),
        (got) =>
          got.toString('latin1').split('HTTP/1.1 206').length - 1 === 3 &&
          got.subarray(-5).equals(file.subarray(200, 205)),
      );
      const text = raw.toString('latin1');
      const ranges = [...text.matchAll(/Content-Range: bytes (\d+)-(\d+)\/\d+/gi)].map((m) => m[1]);
      expect(ranges).toEqual(['0', '100', '200']);
    } finally {
      socket.destroy();
    }
  });

  it('answers a malformed request inside TLS with 400 and closes', async () => {
    const socket = await tlsConnect(fx.url, cert.cert);
    try {
      const raw = await exchange(socket, 'GET /v1/c/clip HTTP/1.1\r\nHost edge\r\n\r\n', () => false);
      expect(raw.toString('latin1')).toMatch(/^HTTP\/1\.1 400 /);
      expect(raw.toString('latin1')).toContain('FERRY_ERR_BAD_REQUEST');
    } finally {
      socket.destroy();
    }
  });

  it('negotiates TLS 1.2 and 1.3 and refuses 1.1', async () => {
    const v12 = await tlsConnect(fx.url, cert.cert, { max: 'TLSv1.2' });
    expect(v12.getProtocol()).toBe('TLSv1.2');
    // A forward-secret AEAD suite (server-options.ts).
    expect(v12.getCipher().name).toMatch(/^ECDHE-ECDSA-(AES\d+-GCM|CHACHA20-POLY1305)/);
    v12.destroy();
    const v13 = await tlsConnect(fx.url, cert.cert, { min: 'TLSv1.3' });
    expect(v13.getProtocol()).toBe('TLSv1.3');
    v13.destroy();
    // Node's OpenSSL builds allow 1.1 on the client only at security level 0.
    await expect(
      new Promise((resolve, reject) => {
        const u = new URL(fx.url);
        import('node:tls').then(({ connect }) => {
          const s = connect({
            host: u.hostname,
            port: Number(u.port),
            ca: cert.cert,
            minVersion: 'TLSv1',
            maxVersion: 'TLSv1.1',
            ciphers: 'DEFAULT:@SECLEVEL=0',
            timeout: 10_000,
          });
          s.once('secureConnect', () => {
            s.destroy();
            resolve(s.getProtocol());
          });
          s.once('error', reject);
        }, reject);
      }),
    ).rejects.toThrow(/protocol version|alert|unsupported/i);
  });

  it('reports TLS, kTLS detection and the copy path in /v1/status, handshakes in /metrics', async () => {
    const s = await statusOf(fx.adminUrl);
    expect(s.tls.enabled).toBe(true);
    expect(s.tls.protocols).toEqual(['TLSv1.2', 'TLSv1.3']);
    expect(s.tls.certificate.fingerprint256).toBe(cert.fingerprint256);
    expect(s.tls.certificate.subject).toContain('CN=edge.test');
    expect(Date.parse(s.tls.certificate.notAfter)).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect(s.tls.lastReload).toBeNull();
    expect(typeof s.tls.ktls.available).toBe('boolean');
    expect(s.tls.ktls.reason.length).toBeGreaterThan(0);
    expect(s.tls.bodyPath).toBe('copy');
    expect(s.bodySender.path).toBe('copy');
    expect(s.bodySender.reason).toMatch(/TLS on/);

    const metrics = (await get(`${fx.adminUrl}/metrics`)).body.toString();
    expect(metrics).toMatch(/ferry_tls_handshakes_total\{protocol="TLSv1\.3"\} [1-9]/);
    expect(metrics).toMatch(/ferry_tls_handshakes_total\{protocol="TLSv1\.2"\} [1-9]/);
    expect(metrics).toMatch(/ferry_tls_handshake_errors_total\{reason="[a-z]+"\} [1-9]/);
    const expiry = /ferry_tls_certificate_expiry_seconds (\d+)/.exec(metrics);
    expect(Number(expiry?.[1])).toBeGreaterThan(29 * 86_400);
  });
});
