// `ferry appliance --tls-cert/--tls-key` as a real process: a pair that cannot serve is a
// start error with a named code, the two flags go together, and with --workers 2 kill -HUP
// of the primary (by pid) makes every worker serve the new certificate to new connections
// while a keep-alive connection opened before keeps being served.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentStore } from '../src/store/store.js';
import { testBytes } from './support/appliance-fixture.js';
import { CLI, type RunningAppliance, startApplianceProcess } from './support/appliance-process.js';
import { get } from './support/http-client.js';
import { makeCert, type TestCert } from './support/tls-certs.js';
import { httpsGet, type StatusWithTls, statusOf } from './support/tls-client.js';

function install(from: string, to: string): void {
  copyFileSync(from, `${to}.new`);
  renameSync(`${to}.new`, to);
}

describe('ferry appliance with HTTPS', () => {
  let dir: string;
  let store: string;
  let first: TestCert;
  let second: TestCert;
  let served: { certFile: string; keyFile: string };
  let a: RunningAppliance | undefined;
  const ca = () => Buffer.concat([first.cert, second.cert]);
  const base = () => [
    '--id',
    'tls1',
    '--listen',
    '127.0.0.1:0',
    '--store',
    store,
    '--open',
    '--access-log',
    'off',
  ];

  /** Runs `ferry appliance` expecting it to refuse to start; returns its stderr. */
  /** Exit 2 for a usage error (a flag without its pair), 1 for a pair that cannot serve. */
  const refused = (args: string[], status = 1): string => {
    const r = spawnSync(process.execPath, [CLI, 'appliance', ...base(), ...args], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(status);
    return r.stderr;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-tls-process-'));
    store = join(dir, 'store');
    const s = ContentStore.open([store]);
    writeFileSync(join(dir, 'clip'), testBytes(20_000, 'clip'));
    await s.add(join(dir, 'clip'), 'clip');
    s.close();
    first = makeCert(dir, 'first');
    second = makeCert(dir, 'second');
    served = { certFile: join(dir, 'served.crt'), keyFile: join(dir, 'served.key') };
    install(first.certFile, served.certFile);
    install(first.keyFile, served.keyFile);
  }, 60_000);

  afterAll(() => {
    if (a && a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start with one flag of the two, or a pair that cannot serve', () => {
    expect(refused(['--tls-cert', served.certFile], 2)).toMatch(/--tls-key FILE is required with --tls-cert/);
    expect(refused(['--tls-key', served.keyFile], 2)).toMatch(/--tls-cert FILE is required with --tls-key/);
    expect(refused(['--tls-cert', join(dir, 'absent.crt'), '--tls-key', served.keyFile])).toMatch(
      /FERRY_ERR_TLS_CERT_UNREADABLE: .*absent\.crt: ENOENT/,
    );
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not pem\n');
    expect(refused(['--tls-cert', junk, '--tls-key', served.keyFile])).toMatch(/FERRY_ERR_TLS_CERT_INVALID/);
    expect(refused(['--tls-cert', served.certFile, '--tls-key', junk])).toMatch(/FERRY_ERR_TLS_KEY_INVALID/);
    expect(refused(['--tls-cert', served.certFile, '--tls-key', second.keyFile])).toMatch(
      /FERRY_ERR_TLS_KEY_MISMATCH/,
    );
    // With workers the primary checks the pair before forking any.
    expect(refused(['--tls-cert', served.certFile, '--tls-key', second.keyFile, '--workers', '2'])).toMatch(
      /FERRY_ERR_TLS_KEY_MISMATCH/,
    );
  }, 240_000);

  it('with --workers 2 reloads every worker on kill -HUP of the primary, keeping open connections', async () => {
    a = await startApplianceProcess(
      [
        ...base(),
        '--tls-cert',
        served.certFile,
        '--tls-key',
        served.keyFile,
        '--workers',
        '2',
        '--log-level',
        'warn',
      ],
      60_000,
    );
    expect(a.url).toMatch(/^https:\/\//);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const before = await httpsGet(`${a.url}/v1/c/clip`, ca(), { agent, headers: { Range: 'bytes=0-9' } });
      expect(before.status).toBe(206);
      expect(before.fingerprint256).toBe(first.fingerprint256);

      install(second.certFile, served.certFile);
      install(second.keyFile, served.keyFile);
      a.child.kill('SIGHUP');
      // New connections go to both workers in turn: all of them must show the new certificate.
      await waitUntil(
        async () => {
          for (let i = 0; i < 6; i++) {
            const r = await httpsGet(`${a!.url}/v1/c/clip`, ca(), { headers: { Range: 'bytes=0-9' } });
            if (r.fingerprint256 !== second.fingerprint256) return false;
          }
          return true;
        },
        { what: 'both workers serving the new certificate', timeoutMs: 20_000, intervalMs: 200 },
      );
      const again = await httpsGet(`${a.url}/v1/c/clip`, ca(), { agent, headers: { Range: 'bytes=10-19' } });
      expect(again.status).toBe(206);
      expect(again.localPort).toBe(before.localPort);
    } finally {
      agent.destroy();
    }
    const seen = new Map<number, StatusWithTls>();
    for (let i = 0; i < 20 && seen.size < 2; i++) {
      const s = await statusOf(a.adminUrl);
      seen.set(s.worker!.index, s);
    }
    expect(seen.size).toBe(2);
    for (const s of seen.values()) {
      expect(s.tls.lastReload).toMatchObject({ why: 'SIGHUP', result: 'ok' });
      expect(s.tls.certificate.fingerprint256).toBe(second.fingerprint256);
    }
    // Summed over the workers by the primary; the expiry gauge is the smallest.
    const metrics = (await get(`${a.adminUrl}/metrics`)).body.toString();
    expect(metrics).toContain('ferry_tls_reloads_total{result="ok"} 2');
    expect(metrics).toMatch(/ferry_tls_handshakes_total\{protocol="TLSv1\.3"\} \d+/);
    expect(a.child.exitCode).toBeNull();
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
  }, 120_000);
});
