// The throttle fault, measured on the wire by a client of a real appliance: the whole
// appliance's cap and the per-connection cap, on the sendfile engine and on the copy path,
// for large ranges and for the small bodies the engine sends inline; reverting mid-transfer
// lets the rest go at full speed.
import { afterEach, describe, expect, it } from 'vitest';
import { type ChaosFixture, startChaosFixture, waitRunning } from './support/chaos-control.js';
import { type Download, download, get, json } from './support/http-client.js';

const MiB = 1024 * 1024;
const running: ChaosFixture[] = [];
afterEach(async () => {
  for (const f of running.splice(0)) await f.stop();
});

async function start(bodySender: 'sendfile' | 'copy', files: Record<string, number>): Promise<ChaosFixture> {
  const f = await startChaosFixture({ files, config: { bodySender } });
  running.push(f);
  return f;
}

/** Asks for a throttle (experiment `thr`, a minute long) and waits until it runs. */
async function throttle(
  f: ChaosFixture,
  params: { bytesPerSec?: number; perConnectionBytesPerSec?: number },
) {
  f.control.want({ experimentId: 'thr', kind: 'throttle', params, durationMs: 60_000 });
  await waitRunning(f.fx, 'thr', true);
}

function rate(d: Download): number {
  return d.bytes / (d.ms / 1000);
}

describe.each(['sendfile', 'copy'] as const)('throttle on the %s path', (path) => {
  it('caps the appliance at bytesPerSec within 15 %, and lets go when reverted', async () => {
    const f = await start(path, { big: 8 * MiB });
    const url = `${f.fx.url}/v1/c/big/range/0-${8 * MiB - 1}`;
    expect(json(await get(`${f.fx.adminUrl}/v1/status`)).bodySender).toMatchObject({ path });
    await throttle(f, { bytesPerSec: 2 * MiB });
    const d = await download(url);
    expect(d).toMatchObject({ status: 206, bytes: 8 * MiB, complete: true });
    expect(rate(d)).toBeGreaterThanOrEqual(2 * MiB * 0.85);
    expect(rate(d)).toBeLessThanOrEqual(2 * MiB * 1.15);

    f.control.drop('thr');
    await waitRunning(f.fx, 'thr', false);
    const fast = await download(url);
    expect(fast).toMatchObject({ status: 206, bytes: 8 * MiB, complete: true });
    expect(rate(fast)).toBeGreaterThan(8 * MiB);
  });
});

describe('throttle', () => {
  it('caps each connection at perConnectionBytesPerSec', async () => {
    const f = await start('sendfile', { mid: 2 * MiB });
    await throttle(f, { perConnectionBytesPerSec: MiB });
    const t0 = performance.now();
    const both = await Promise.all([1, 2].map(() => download(`${f.fx.url}/v1/c/mid`)));
    const wall = (performance.now() - t0) / 1000;
    for (const d of both) {
      expect(d).toMatchObject({ status: 200, bytes: 2 * MiB, complete: true });
      expect(rate(d)).toBeGreaterThanOrEqual(MiB * 0.85);
      expect(rate(d)).toBeLessThanOrEqual(MiB * 1.15);
    }
    // Per connection, not shared: the two ran side by side, each at its own cap.
    expect(wall).toBeLessThan(2 * 1.3);
  });

  it('paces the small bodies the engine sends inline too', async () => {
    const f = await start('sendfile', { small: 32 * 1024 });
    const url = `${f.fx.url}/v1/c/small`;
    // Warm: the page cache holds the file, so the engine would send each body inline.
    for (let i = 0; i < 3; i++) await download(url);
    await throttle(f, { bytesPerSec: MiB });
    const t0 = performance.now();
    let bytes = 0;
    await Promise.all(
      [1, 2, 3, 4].map(async () => {
        for (let i = 0; i < 16; i++) {
          const d = await download(url);
          expect(d).toMatchObject({ status: 200, complete: true });
          bytes += d.bytes;
        }
      }),
    );
    const r = bytes / ((performance.now() - t0) / 1000);
    expect(bytes).toBe(2 * MiB);
    // Headers go through the cap as well; bodies alone come a little under it.
    expect(r).toBeGreaterThanOrEqual(MiB * 0.8);
    expect(r).toBeLessThanOrEqual(MiB * 1.15);
  });

  it('reverted mid-transfer, sends the rest at full speed', async () => {
    const f = await start('sendfile', { big: 6 * MiB });
    await throttle(f, { bytesPerSec: MiB });
    let atDrop = -1;
    let now = 0;
    const dropAfter = setTimeout(() => {
      atDrop = now;
      f.control.drop('thr');
    }, 1500);
    const d = await download(`${f.fx.url}/v1/c/big`, (b) => {
      now = b;
    });
    clearTimeout(dropAfter);
    expect(d).toMatchObject({ status: 200, bytes: 6 * MiB, complete: true });
    // 1.5 s at 1 MiB/s, then the rest (over 4 MiB) in well under the 4 s the cap would take.
    expect(atDrop).toBeGreaterThan(MiB);
    expect(atDrop).toBeLessThan(2.2 * MiB);
    expect(d.ms).toBeLessThan(3500);
  });
});
