// Reloading the viewers' certificate (what SIGHUP does, through app.reloadKeys): a good new
// pair is served to new connections while a keep-alive connection opened before keeps
// working; a bad new pair keeps the one in use, logged in /v1/status and counted.
import { copyFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, startFixture } from './support/appliance-fixture.js';
import { get } from './support/http-client.js';
import { makeCert, type TestCert } from './support/tls-certs.js';
import { httpsGet, statusOf } from './support/tls-client.js';

/** Puts `from` in place of `to` by rename, as a deploy would. */
function install(from: string, to: string): void {
  copyFileSync(from, `${to}.new`);
  renameSync(`${to}.new`, to);
}

describe('TLS certificate reload', () => {
  let dir: string;
  let first: TestCert;
  let second: TestCert;
  let served: { certFile: string; keyFile: string };
  let fx: Fixture;
  const ca = () => Buffer.concat([first.cert, second.cert]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-tls-reload-'));
    first = makeCert(dir, 'first');
    second = makeCert(dir, 'second');
    served = { certFile: join(dir, 'served.crt'), keyFile: join(dir, 'served.key') };
    install(first.certFile, served.certFile);
    install(first.keyFile, served.keyFile);
    fx = await startFixture({ files: { clip: 50_000 }, config: { tls: served } });
  }, 60_000);

  afterAll(async () => {
    await fx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the new pair to new connections and keeps an open keep-alive connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const before = await httpsGet(`${fx.url}/v1/c/clip`, ca(), { agent, headers: { Range: 'bytes=0-9' } });
      expect(before.fingerprint256).toBe(first.fingerprint256);

      install(second.certFile, served.certFile);
      install(second.keyFile, served.keyFile);
      await fx.app.reloadKeys('test');

      const fresh = await httpsGet(`${fx.url}/v1/c/clip`, ca(), { headers: { Range: 'bytes=0-9' } });
      expect(fresh.status).toBe(206);
      expect(fresh.fingerprint256).toBe(second.fingerprint256);

      // The connection opened before the reload (same local port: same socket, so the
      // session it negotiated with the first certificate) is still served.
      const again = await httpsGet(`${fx.url}/v1/c/clip`, ca(), { agent, headers: { Range: 'bytes=10-19' } });
      expect(again.status).toBe(206);
      expect(again.localPort).toBe(before.localPort);
      expect(again.body.equals(fx.files.get('clip')!.subarray(10, 20))).toBe(true);
    } finally {
      agent.destroy();
    }
    const s = await statusOf(fx.adminUrl);
    expect(s.tls.certificate.fingerprint256).toBe(second.fingerprint256);
    expect(s.tls.lastReload).toMatchObject({ why: 'test', result: 'ok' });
  });

  it('keeps the pair in use when the new one is bad, and says so', async () => {
    // A key that is not the certificate's, then a certificate file that is not PEM.
    install(first.keyFile, served.keyFile);
    await fx.app.reloadKeys('mismatch');
    let s = await statusOf(fx.adminUrl);
    expect(s.tls.lastReload).toMatchObject({ why: 'mismatch', result: 'failed' });
    expect(s.tls.lastReload?.error).toMatch(/not the certificate's key/);
    expect(s.tls.certificate.fingerprint256).toBe(second.fingerprint256);

    writeFileSync(served.certFile, 'not a certificate\n');
    await fx.app.reloadKeys('garbage');
    s = await statusOf(fx.adminUrl);
    expect(s.tls.lastReload).toMatchObject({ why: 'garbage', result: 'failed' });
    expect(s.tls.lastReload?.error).toMatch(/no PEM X\.509 certificate/);

    const r = await httpsGet(`${fx.url}/v1/c/clip`, ca(), { headers: { Range: 'bytes=0-9' } });
    expect(r.status).toBe(206);
    expect(r.fingerprint256).toBe(second.fingerprint256);

    const metrics = (await get(`${fx.adminUrl}/metrics`)).body.toString();
    expect(metrics).toContain('ferry_tls_reloads_total{result="ok"} 1');
    expect(metrics).toContain('ferry_tls_reloads_total{result="failed"} 2');
  });
});
