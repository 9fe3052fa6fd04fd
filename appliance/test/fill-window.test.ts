// The fill window closing mid-download: the running download stops at its next chunk and
// keeps its partial; nothing more is fetched while the window is closed; when it opens
// again the download resumes from the partial. The filler runs on a real store against a
// real s3rver; only its clock is the test's, so the window can close and open at will.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, type S3Server } from '@ferry/harness';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Filler } from '../src/fill/filler.js';
import { FillSources } from '../src/fill/open-source.js';
import { ApplianceMetrics } from '../src/ops/metrics.js';
import { ContentStore } from '../src/store/store.js';
import { testBytes } from './support/appliance-fixture.js';
import {
  fillSettings,
  manifestFile,
  manifestOf,
  origin,
  s3Origin,
  sha256,
  startOrigin,
} from './support/fill-fixture.js';

const ID = 't0004-v5800k';
const BYTES = testBytes(2_000_000, ID);
const HOUR = 3600_000;

let s3: S3Server;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-fill-window-'));
  s3 = await startOrigin({ [ID]: BYTES });
});
afterAll(async () => {
  await s3?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('fill window', () => {
  it('pauses a running download when it closes and resumes it from the partial when it opens', async () => {
    // 03:00 local today, running on in real time; the window is 02:00-04:00.
    const t0 = Date.now();
    const three = new Date();
    three.setHours(3, 0, 0, 0);
    let shift = 0;
    const now = () => three.getTime() + (Date.now() - t0) + shift;
    const store = ContentStore.open([join(dir, 'store')], { checkIntervalMs: 0 });
    const metrics = new ApplianceMetrics({
      activeTransfers: () => 0,
      isolated: () => false,
      store: () => store.stats(),
    });
    const sources = new FillSources({ origin: s3Origin(s3), headersTimeoutMs: 5000 });
    const filler = new Filler({
      settings: fillSettings({
        window: { kind: 'daily', startMin: 120, endMin: 240 },
        rateBytesPerSec: 500_000,
      }),
      store,
      sources,
      inFlight: () => 0,
      metrics,
      logger: pino({ level: 'silent' }),
      now,
    });
    try {
      filler.start();
      filler.setManifest(manifestOf('window-1', [manifestFile(ID, BYTES, [origin(ID)])]));
      await eventually(() => ((filler.status().downloads as { bytes: number }[])[0]?.bytes ?? 0) > 300_000, {
        what: 'the download under way',
        timeoutMs: 10_000,
        intervalMs: 20,
      });

      shift = 2 * HOUR; // 05:00: closed
      await eventually(() => filler.snapshot().filling === 0, {
        what: 'the download paused',
        timeoutMs: 5000,
      });
      const [partial] = store.partials();
      expect(partial?.length).toBeGreaterThan(300_000);
      expect(partial!.length).toBeLessThan(BYTES.length);
      await new Promise((r) => setTimeout(r, 1500));
      expect(statSync(partial!.path).size).toBe(partial!.length);
      expect(store.lookup(ID)).toBeUndefined();
      expect(filler.snapshot()).toMatchObject({ window: 'closed', filling: 0, failed: 0, held: 0 });

      shift = 0;
      await eventually(() => store.lookup(ID)?.sha256 === sha256(BYTES), {
        what: 'the file filled',
        timeoutMs: 15_000,
      });
      // Resumed: every byte was fetched once.
      const fetched = (await metrics.fillBytes.get()).values.reduce((n, v) => n + v.value, 0);
      expect(fetched).toBe(BYTES.length);
      expect(store.partials()).toEqual([]);
    } finally {
      await filler.stop();
      await sources.close();
      store.close();
      metrics.close();
    }
  });
});
