// The HTTPS rows of `ferry bench dataplane`: nginx listens with ssl on the bench's own
// certificate, and each https row of the appliance is divided by nginx over https, not by
// plain nginx; rows of servers not run do not appear. The body check reads over https
// against a real TLS server trusting only the bench's certificate.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSelfSignedCert, type SelfSignedCert } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchRange } from '../src/dataplane/check-bodies.js';
import { CASES } from '../src/dataplane/load-plan.js';
import { nginxConfig } from '../src/dataplane/nginx-config.js';
import { type Sample, summarize } from '../src/dataplane/report.js';

import type { LoadResult } from '../src/dataplane/wrk.js';

function result(reqPerSec: number): LoadResult {
  return {
    requests: reqPerSec * 3,
    durationSec: 3,
    reqPerSec,
    bytesPerSec: reqPerSec * 1000,
    bytesRead: 0,
    p99Ms: 10,
    errors: 0,
    non2xx: 0,
  };
}

function sample(server: Sample['server'], reqPerSec: number): Sample {
  return {
    caseName: CASES[0]!.name,
    tool: 'wrk',
    server,
    round: 1,
    result: result(reqPerSec),
    eventLoopP99Ms: null,
  };
}

describe('dataplane bench over HTTPS', () => {
  let dir: string;
  let cert: SelfSignedCert;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-bench-tls-'));
    cert = makeSelfSignedCert(dir, 'bench', { days: 2 });
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('configures nginx with ssl on the certificate given, and leaves plain nginx alone', () => {
    const base = { dir: '/tmp/b/nginx', port: 18443, root: '/tmp/b/files', workers: 2, runAsRoot: false };
    const conf = nginxConfig({ ...base, tls: { certFile: '/tmp/b/bench.crt', keyFile: '/tmp/b/bench.key' } });
    expect(conf).toMatch(/^\s*listen 127\.0\.0\.1:18443 ssl;$/m);
    expect(conf).toMatch(/^\s*ssl_certificate "\/tmp\/b\/bench\.crt";$/m);
    expect(conf).toMatch(/^\s*ssl_certificate_key "\/tmp\/b\/bench\.key";$/m);
    expect(conf).toMatch(/^\s*ssl_protocols TLSv1\.2 TLSv1\.3;$/m);
    const plain = nginxConfig(base);
    expect(plain).toMatch(/^\s*listen 127\.0\.0\.1:18443;$/m);
    expect(plain).not.toContain('ssl');
  });

  it('divides the https rows by nginx over https', () => {
    const rows = summarize(
      [sample('nginx', 1000), sample('ferry-copy', 500), sample('nginx-tls', 400), sample('ferry-tls', 300)],
      [CASES[0]!],
      ['wrk'],
    );
    const rps = (path: string) => rows.find((r) => r.path === path && r.measure === 'req/s');
    expect(rps('copy')?.ratio).toBeCloseTo(0.5);
    expect(rps('https')?.nginx).toBe(400);
    expect(rps('https')?.ratio).toBeCloseTo(0.75);
    // Not run: no rows.
    expect(rps('https-1proc')).toBeUndefined();
    const only = summarize([sample('nginx-tls', 400), sample('ferry-tls-1proc', 100)], [CASES[0]!], ['wrk']);
    expect(new Set(only.map((r) => r.path))).toEqual(new Set(['https-1proc']));
  });

  it('checks bodies over https trusting the bench certificate only', async () => {
    const server = createServer({ cert: cert.cert, key: readFileSync(cert.keyFile) }, (_req, res) => {
      res.writeHead(206, { 'content-range': 'bytes 0-3/10' });
      res.end(Buffer.from('abcd'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const got = await fetchRange(
        `https://127.0.0.1:${port}`,
        { path: '/v1/c/x', range: 'bytes=0-3' },
        cert.cert,
      );
      expect(got.status).toBe(206);
      expect(got.length).toBe(4);
      await expect(
        fetchRange(`https://127.0.0.1:${port}`, { path: '/v1/c/x', range: 'bytes=0-3' }),
      ).rejects.toThrow(/self-signed|certificate/i);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
