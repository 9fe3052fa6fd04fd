// The fill rate cap, measured: two files fetched at once from a real s3rver share one cap of
// 1 MB/s; the rate while filling is within 10 % of it, 5 MB takes no less than 5 s (less the
// bucket's first tenth of a second), and both downloads run side by side.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, type S3Server } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeControl } from './agent-fake-control.js';
import type { Fixture } from './support/appliance-fixture.js';
import { testBytes } from './support/appliance-fixture.js';
import {
  fillStatus,
  holds,
  manifestFile,
  manifestOf,
  metricsOf,
  metricValue,
  origin,
  s3Origin,
  sha256,
  startFiller,
  startOrigin,
} from './support/fill-fixture.js';

const RATE = 1_000_000;
/** The bucket starts full with a tenth of a second's worth (chaos/token-bucket.ts burstFor). */
const BURST = RATE / 10;
const FILES = { 'rate-a': testBytes(2_500_000, 'rate-a'), 'rate-b': testBytes(2_500_000, 'rate-b') };
const TOTAL = FILES['rate-a'].length + FILES['rate-b'].length;

let s3: S3Server;
let dir: string;
let control: FakeControl;
let fx: Fixture | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-fill-rate-'));
  s3 = await startOrigin(FILES);
  control = await new FakeControl().start();
});
afterAll(async () => {
  await fx?.stop();
  await control?.stop();
  await s3?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('fill rate cap', () => {
  it('holds the rate over all downloads within 10 %', async () => {
    control.manifests.set(
      'rate-1',
      manifestOf(
        'rate-1',
        Object.entries(FILES).map(([id, b]) => manifestFile(id, b, [origin(id)])),
      ),
    );
    fx = await startFiller(control, {
      id: 'rate-1',
      dir,
      fill: { origin: s3Origin(s3), rateBytesPerSec: RATE },
    });
    const filler = fx;
    await eventually(() => control.manifestRequests.length > 0, {
      what: 'the manifest asked for',
      timeoutMs: 5000,
      intervalMs: 5,
    });
    const t0 = performance.now();
    let together = 0;
    const samples: { at: number; bytes: number }[] = [];
    await eventually(
      async () => {
        const [downloads, text] = await Promise.all([
          fillStatus(filler).then((s) => s.downloads as { bytes: number }[]),
          metricsOf(filler),
        ]);
        samples.push({
          at: performance.now(),
          bytes: metricValue(text, 'ferry_appliance_fill_bytes_total{source_kind="origin"}'),
        });
        if (downloads.filter((d) => d.bytes > 0).length === 2) together++;
        return Object.entries(FILES).every(([id, b]) => holds(filler, id, sha256(b)));
      },
      { what: 'both files filled', timeoutMs: 20_000, intervalMs: 20 },
    );
    // The rate while filling: from the sample past 10 % of the bytes to the last below 90 %.
    const from = samples.find((s) => s.bytes >= TOTAL * 0.1)!;
    const to = [...samples].reverse().find((s) => s.bytes <= TOTAL * 0.9)!;
    const rate = (to.bytes - from.bytes) / ((to.at - from.at) / 1000);
    expect(rate).toBeGreaterThan(RATE * 0.9);
    expect(rate).toBeLessThan(RATE * 1.1);
    // The whole fill never beats the cap (the bucket's first tenth of a second aside), and
    // start-up costs little.
    const seconds = (performance.now() - t0) / 1000;
    expect(seconds).toBeGreaterThan(((TOTAL - BURST) / RATE) * 0.9);
    expect(seconds).toBeLessThan((TOTAL / RATE) * 1.2);
    // Side by side for most of the time: the cap is shared, not given to one file at a time.
    expect(together).toBeGreaterThan(50);
  });
});
