// Fill from an S3 origin end to end: a real s3rver on loopback holds the objects, a small
// real HTTP server plays control (heartbeats and the manifest), and an appliance with an
// empty store fills it, verifies every file and serves it; heartbeats, status and metrics
// report the fill and the bytes served. A closed fill window fetches nothing.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, type S3Server } from '@ferry/harness';
import type { Heartbeat } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeControl } from './agent-fake-control.js';
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
import { get } from './support/http-client.js';

const FILES: Record<string, Buffer> = {
  't0001-v235k': testBytes(700_000, 't0001-v235k'),
  't0001-v750k': testBytes(1_300_000, 't0001-v750k'),
  't0001-a128k': testBytes(90_000, 't0001-a128k'),
};

let s3: S3Server;
let dir: string;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-fill-s3-'));
  s3 = await startOrigin(FILES);
});
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await s3?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function started(id: string, window: Parameters<typeof startFiller>[1]['fill']['window']) {
  const control = await new FakeControl().start();
  cleanups.push(() => control.stop());
  control.manifests.set(
    id,
    manifestOf(
      id,
      Object.entries(FILES).map(([fileId, bytes]) => manifestFile(fileId, bytes, [origin(fileId)])),
    ),
  );
  const fx = await startFiller(control, {
    id,
    dir,
    fill: { origin: s3Origin(s3), ...(window ? { window } : {}) },
  });
  cleanups.push(() => fx.stop());
  return { control, fx };
}

const lastFill = (control: FakeControl) => control.heartbeats.at(-1)?.body.fill;

describe('fill from an S3 origin', () => {
  it('fills an empty store, verifies and serves every file, and reports it', async () => {
    const { control, fx } = await started('fill-s3', undefined);
    await eventually(() => Object.entries(FILES).every(([id, b]) => holds(fx, id, sha256(b))), {
      what: 'every file filled',
      timeoutMs: 20_000,
      intervalMs: 50,
    });
    // The manifest was asked for with a signature control verified (the key is trusted).
    expect(control.manifestRequests[0]).toMatchObject({ id: 'fill-s3', signer: 'fill-s3' });
    expect(control.refused).toEqual([]);
    for (const [id, bytes] of Object.entries(FILES)) {
      const r = await get(`${fx.url}/v1/c/${id}`);
      expect(r.status).toBe(200);
      expect(r.body.equals(bytes)).toBe(true);
    }
    const total = Object.values(FILES).reduce((n, b) => n + b.length, 0);
    const fill = await eventually(
      () => {
        const f = lastFill(control);
        expect(f).toMatchObject({
          manifestVersion: 1,
          wanted: 3,
          held: 3,
          filling: 0,
          failed: 0,
          bytesToGo: 0,
        });
        return f!;
      },
      { what: 'a heartbeat reporting the fill done', timeoutMs: 5000 },
    );
    expect(fill.window).toBe('open');
    expect(fill.corrupt).toEqual([]);
    // Every body byte served above is reported once, per file.
    await eventually(
      () => {
        const served = new Map<string, number>();
        for (const hb of control.heartbeats) {
          for (const s of (hb.body as Heartbeat).served ?? [])
            served.set(s.fileId, (served.get(s.fileId) ?? 0) + s.bytes);
        }
        for (const [id, bytes] of Object.entries(FILES)) expect(served.get(id)).toBe(bytes.length);
      },
      { what: 'served bytes per file in heartbeats', timeoutMs: 5000 },
    );
    const inventory = control.heartbeats.flatMap((hb) => [
      ...(hb.body.inventory?.kind === 'full' ? hb.body.inventory.files : (hb.body.inventory?.added ?? [])),
    ]);
    for (const id of Object.keys(FILES)) expect(inventory).toContain(id);
    const text = await metricsOf(fx);
    expect(metricValue(text, 'ferry_appliance_fill_bytes_total{source_kind="origin"}')).toBe(total);
    expect(metricValue(text, 'ferry_appliance_fill_files_total{result="filled"}')).toBe(3);
    expect(metricValue(text, 'ferry_appliance_fill_bytes_to_go')).toBe(0);
    const status = await fillStatus(fx);
    expect(status).toMatchObject({ mode: 'on', held: 3, wanted: 3, windowSpec: 'always', downloads: [] });
    expect((status.manifest as { version: number }).version).toBe(1);
    // Nothing is left half-written.
    expect(readdirSync(join(fx.dir, 'store', '.ferry', 'partial'))).toEqual([]);
  });

  it('fetches nothing while the fill window is closed', async () => {
    // A window of one hour that starts two hours from now: closed now, whatever the time.
    const now = new Date();
    const start = (now.getHours() * 60 + now.getMinutes() + 120) % 1440;
    const { control, fx } = await started('fill-closed', {
      kind: 'daily',
      startMin: start,
      endMin: (start + 60) % 1440,
    });
    await eventually(() => control.manifestRequests.length > 0, {
      what: 'the manifest asked for',
      timeoutMs: 5000,
    });
    await eventually(
      () => expect(lastFill(control)).toMatchObject({ manifestVersion: 1, window: 'closed' }),
      {
        what: 'a heartbeat with the window closed',
        timeoutMs: 5000,
      },
    );
    await new Promise((r) => setTimeout(r, 2500));
    expect(fx.app.store.list()).toEqual([]);
    const fill = lastFill(control)!;
    expect(fill).toMatchObject({ wanted: 3, held: 0, filling: 0, window: 'closed' });
    expect(fill.bytesToGo).toBe(Object.values(FILES).reduce((n, b) => n + b.length, 0));
    const text = await metricsOf(fx);
    expect(metricValue(text, 'ferry_appliance_fill_bytes_total{source_kind="origin"}')).toBe(0);
    expect(fx.app.store.partials()).toEqual([]);
  });
});
