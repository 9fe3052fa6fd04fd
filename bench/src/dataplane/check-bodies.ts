// Before anything is timed, each server must answer the same planned ranges with 206 and
// byte-identical bodies: a server that answered 200 with the whole file, or the wrong bytes,
// would otherwise post numbers for work it did not do.
import { createHash } from 'node:crypto';
import { request } from 'node:https';
import type { PlannedRequest } from './load-plan.js';

export interface BodyCheck {
  readonly status: number;
  readonly length: number;
  readonly sha256: string;
}

/** One range; over https the server's certificate is checked against `ca` (the bench's own). */
export async function fetchRange(baseUrl: string, req: PlannedRequest, ca?: Buffer): Promise<BodyCheck> {
  if (baseUrl.startsWith('https:')) return fetchRangeTls(baseUrl, req, ca);
  const res = await fetch(`${baseUrl}${req.path}`, {
    headers: { range: req.range },
    signal: AbortSignal.timeout(10_000),
  });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, length: body.length, sha256: createHash('sha256').update(body).digest('hex') };
}

function fetchRangeTls(baseUrl: string, req: PlannedRequest, ca?: Buffer): Promise<BodyCheck> {
  return new Promise((resolve, reject) => {
    const r = request(
      `${baseUrl}${req.path}`,
      { headers: { range: req.range }, ...(ca ? { ca } : {}), agent: false, timeout: 10_000 },
      (res) => {
        const hash = createHash('sha256');
        let length = 0;
        res.on('data', (c: Buffer) => {
          hash.update(c);
          length += c.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, length, sha256: hash.digest('hex') }));
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(new Error(`${baseUrl}: timeout`)));
    r.on('error', reject);
    r.end();
  });
}

function expectedLength(range: string): number {
  const m = range.match(/^bytes=(\d+)-(\d+)$/);
  return m ? Number(m[2]) - Number(m[1]) + 1 : -1;
}

/**
 * Compares each server against the anchor on `requests`; returns why a server fails, or
 * null when it matches. The anchor itself must answer 206 with the requested length.
 */
export async function compareBodies(
  anchorUrl: string,
  serverUrl: string,
  requests: readonly PlannedRequest[],
  ca?: Buffer,
): Promise<string | null> {
  for (const req of requests) {
    const want = await fetchRange(anchorUrl, req, ca);
    if (want.status !== 206 || want.length !== expectedLength(req.range)) {
      throw new Error(`nginx answered ${req.path} ${req.range} with ${want.status}, ${want.length} bytes`);
    }
    const got = await fetchRange(serverUrl, req, ca);
    if (got.status !== 206) return `answered ${req.path} ${req.range} with ${got.status}`;
    if (got.length !== want.length || got.sha256 !== want.sha256) {
      return `sent different bytes than nginx for ${req.path} ${req.range}`;
    }
  }
  return null;
}
