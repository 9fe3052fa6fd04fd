// Backpressure is per socket: a thousand clients that never read do not stall a client
// that does. A behaviour test with a generous bound, not a benchmark.

import { get } from 'node:http';
import type { Socket } from 'node:net';
import { eventually } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAndRequest, type Fixture, senderKinds, startFixture } from './sendfile-fixture.js';

const SIZE = 32 * 1024 * 1024;
const SLOW = 1000;
const FAST_BYTES = 2 * 1024 * 1024;
const BOUND_MS = 15_000;

function fetchRange(port: number, offset: number, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: `/?p=f:${offset}:${length}`, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', reject);
    }).on('error', reject);
  });
}

describe.each(senderKinds)('%s sender: slow readers', (kind) => {
  let fx: Fixture;
  const slow: Socket[] = [];
  beforeAll(async () => {
    fx = await startFixture(kind, { size: SIZE });
  });
  afterAll(async () => {
    for (const s of slow) s.destroy();
    // Best effort, as before: fx.stop() below ends whatever is still sending.
    await eventually(() => fx.sender.active === 0, { timeoutMs: 10_000, intervalMs: 20 }).catch(() => {});
    await fx.stop();
  });

  it(`${SLOW} clients that never read do not stall one that does`, async () => {
    for (let i = 0; i < SLOW; i += 100) {
      const batch = Array.from({ length: 100 }, () => connectAndRequest(fx.port, `/?p=f:0:${SIZE}`));
      for (const socket of await Promise.all(batch)) {
        socket.on('error', () => {});
        slow.push(socket);
      }
    }
    expect(fx.sender.active).toBe(SLOW);

    const started = Date.now();
    const offset = 12_345;
    const body = await fetchRange(fx.port, offset, FAST_BYTES);
    const elapsed = Date.now() - started;
    expect(body.equals(fx.data.subarray(offset, offset + FAST_BYTES))).toBe(true);
    expect(elapsed).toBeLessThan(BOUND_MS);
    // The stalled transfers are still in flight, not failed (the fast one settles just
    // after its last byte reaches the client).
    expect(await eventually(() => fx.sender.active === SLOW, { timeoutMs: 5000, intervalMs: 20 })).toBe(true);
    expect(fx.outcomes).toEqual([{ path: kind, bytes: FAST_BYTES, ok: true }]);
  });
});
