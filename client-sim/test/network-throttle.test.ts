// The access link for real: a local HTTP server sends 1 MB in 16 KiB writes, honouring
// write()'s backpressure as a real server does, and a viewer reads it through a 2 Mb/s
// token bucket. The read takes about 8 Mbit / 2 Mb/s = 4 s (wide bounds: a noisy box), and
// the server is held back — its writes return false and it waits for 'drain' — rather than
// finishing at loopback speed while the viewer sleeps.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessLink } from '../src/network/link.js';
import { readThrottled } from '../src/network/throttled-read.js';
import { TokenBucket } from '../src/network/token-bucket.js';
import { systemClock } from '../src/player/clock.js';
import { SegmentFailover } from '../src/player/failover.js';
import { fetchRange } from '../src/player/segment-fetch.js';

const BODY = 1_000_000;
const CHUNK = 16 * 1024;

interface SendStats {
  falseWrites: number;
  drainWaitMs: number;
  /** ms from the first write to the last one accepted */
  sendMs: number;
}

let server: Server;
let base = '';
const sends: SendStats[] = [];

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const range = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
    const length = range ? Number(range[2]) - Number(range[1]) + 1 : BODY;
    res.writeHead(range ? 206 : 200, { 'content-length': String(length) });
    const stats: SendStats = { falseWrites: 0, drainWaitMs: 0, sendMs: 0 };
    const t0 = performance.now();
    const chunk = Buffer.alloc(CHUNK, 7);
    for (let sent = 0; sent < length; sent += CHUNK) {
      const ok = res.write(chunk.subarray(0, Math.min(CHUNK, length - sent)));
      if (!ok) {
        stats.falseWrites++;
        const w = performance.now();
        await once(res, 'drain');
        stats.drainWaitMs += performance.now() - w;
      }
    }
    stats.sendMs = performance.now() - t0;
    sends.push(stats);
    res.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('rate-limited body reads', () => {
  it('a 2 Mb/s link takes about 4 s for 1 MB, and the server sees backpressure', async () => {
    const agent = new Agent({ connections: 1 });
    try {
      const bucket = new TokenBucket(() => 2_000_000);
      const t0 = performance.now();
      const res = await request(`${base}/body`, { dispatcher: agent });
      let seen = 0;
      const total = await readThrottled(res.body, bucket, (n) => {
        seen += n;
      });
      const ms = performance.now() - t0;
      expect(total).toBe(BODY);
      expect(seen).toBe(BODY);
      expect(ms).toBeGreaterThan(4000 * 0.65);
      expect(ms).toBeLessThan(4000 * 1.35);
      const s = sends.at(-1)!;
      expect(s.falseWrites).toBeGreaterThan(0);
      expect(s.drainWaitMs).toBeGreaterThan(0);
    } finally {
      await agent.destroy();
    }
  }, 30_000);

  it('holds the server back for as long as the viewer reads, past what kernel buffers absorb', async () => {
    // Loopback TCP buffers grow to a few MB (tcp_wmem max 4 MiB here), so a 1 MB body fits
    // in them and the server's last write returns early; 12 MB at 24 Mb/s (≈ 4 s) does not.
    const agent = new Agent({ connections: 1 });
    try {
      const length = 12_000_000;
      const bucket = new TokenBucket(() => 24_000_000);
      const t0 = performance.now();
      const res = await request(`${base}/big`, {
        dispatcher: agent,
        headers: { range: `bytes=0-${length - 1}` },
      });
      const total = await readThrottled(res.body, bucket, () => undefined);
      const ms = performance.now() - t0;
      expect(total).toBe(length);
      expect(ms).toBeGreaterThan(4000 * 0.65);
      expect(ms).toBeLessThan(4000 * 1.35);
      const s = sends.at(-1)!;
      expect(s.falseWrites).toBeGreaterThan(10);
      // At loopback speed the server would be done in tens of ms; held back, it writes for
      // most of the viewer's read time (all but what the buffers hold).
      expect(s.sendMs).toBeGreaterThan(ms * 0.4);
      expect(s.drainWaitMs).toBeGreaterThan(ms * 0.3);
    } finally {
      await agent.destroy();
    }
  }, 30_000);

  it('fetchRange through an access link: RTT before the first byte, throughput of the link', async () => {
    const agent = new Agent({ connections: 1 });
    try {
      const link = new AccessLink({ profile: 'test', downBps: 4_000_000, rttMs: 200, walkSeed: 1 });
      const length = 500_000;
      const out = await fetchRange({
        url: `${base}/seg`,
        start: 0,
        length,
        dispatcher: agent,
        failover: new SegmentFailover(
          [{ rank: 1, url: `${base}/seg`, applianceId: 'a', site: 's' }],
          systemClock,
          { requestTimeoutMs: 1000, graceMs: 100 },
        ),
        timeToEmptyMs: () => 100,
        checkEveryMs: 50,
        signal: new AbortController().signal,
        now: () => performance.now(),
        link,
      });
      expect(out.ok).toBe(true);
      if (!out.ok) return;
      // 200 ms RTT + 4 Mbit at 4 Mb/s ≈ 1.2 s; the 1 s timeout and a 100 ms buffer would
      // have abandoned it, but a transfer at the link's own rate is never judged too slow.
      expect(out.durationMs).toBeGreaterThan(1200 * 0.65);
      expect(out.durationMs).toBeLessThan(1200 * 1.35);
      const bps = (out.bytes * 8 * 1000) / out.durationMs;
      expect(bps).toBeGreaterThan(4_000_000 * 0.6);
      expect(bps).toBeLessThan(4_000_000 * 1.35);
    } finally {
      await agent.destroy();
    }
  }, 30_000);
});
