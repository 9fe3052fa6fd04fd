// Eviction: files control no longer wants are removed after the grace period, but never
// while a response is sending from one; that one goes once its transfer is done. Every
// removal reaches control in the inventory.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeControl } from './agent-fake-control.js';
import type { Fixture } from './support/appliance-fixture.js';
import { testBytes } from './support/appliance-fixture.js';
import {
  holds,
  manifestFile,
  manifestOf,
  metricsOf,
  metricValue,
  origin,
  sha256,
  startFiller,
} from './support/fill-fixture.js';

const BIG = 32 * 1024 * 1024;
const FILES = { 'old-big': BIG, 'old-small': 10_000, 'keep-1': 10_000, 'extra-1': 10_000 };

let dir: string;
let control: FakeControl;
let fx: Fixture;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-fill-evict-'));
  control = await new FakeControl().start();
  fx = await startFiller(control, { id: 'evict-1', dir, files: FILES, fill: { evictGraceSec: 1 } });
});
afterAll(async () => {
  await fx?.stop();
  await control?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A GET that reads 1 MiB and then stops reading until resumed: its transfer stays in flight. */
function slowReader(url: string) {
  let received = 0;
  let resume: () => void = () => {};
  let paused = false;
  const hash = createHash('sha256');
  const done = new Promise<{ bytes: number; sha256: string }>((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      res.on('data', (c: Buffer) => {
        received += c.length;
        hash.update(c);
        if (received > 1024 * 1024 && !paused) {
          paused = true;
          res.pause();
          resume = () => res.resume();
        }
      });
      res.on('end', () => resolve({ bytes: received, sha256: hash.digest('hex') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  return { done, received: () => received, resume: () => resume() };
}

const removedInInventory = () =>
  control.heartbeats.flatMap((hb) => (hb.body.inventory?.kind === 'delta' ? hb.body.inventory.removed : []));

const pathOf = (id: string) => fx.app.store.lookup(id)?.path;

describe('eviction', () => {
  it('removes unwanted files after the grace period, never one with a transfer in flight', async () => {
    const big = testBytes(BIG, 'old-big');
    const bigPath = pathOf('old-big')!;
    const reader = slowReader(`${fx.url}/v1/c/old-big`);
    await eventually(() => reader.received() > 1024 * 1024, {
      what: 'the slow transfer under way',
      timeoutMs: 5000,
    });
    const keep = testBytes(10_000, 'keep-1');
    // Control wants keep-1 only: the others are dropped (old-*) or left out (extra-1).
    control.manifests.set(
      'evict-1',
      manifestOf('evict-1', [manifestFile('keep-1', keep, [origin('keep-1')])], {
        drop: ['old-big', 'old-small'],
      }),
    );
    await eventually(() => fx.app.store.lookup('old-small') === undefined, {
      what: 'old-small evicted',
      timeoutMs: 8000,
    });
    expect(fx.app.store.lookup('extra-1')).toBeUndefined();
    // Past its grace too, but its response is still sending.
    await new Promise((r) => setTimeout(r, 1500));
    expect(fx.app.store.lookup('old-big')).toBeDefined();
    expect(existsSync(bigPath)).toBe(true);
    expect(holds(fx, 'keep-1', sha256(keep))).toBe(true);

    reader.resume();
    expect(await reader.done).toEqual({ bytes: BIG, sha256: sha256(big) });
    await eventually(() => fx.app.store.lookup('old-big') === undefined, {
      what: 'old-big evicted',
      timeoutMs: 5000,
    });
    expect(existsSync(bigPath)).toBe(false);
    await eventually(
      () => expect(new Set(removedInInventory())).toEqual(new Set(['old-big', 'old-small', 'extra-1'])),
      { what: 'the removals in the inventory sent to control', timeoutMs: 5000 },
    );
    expect(metricValue(await metricsOf(fx), 'ferry_appliance_evictions_total')).toBe(3);
    expect(holds(fx, 'keep-1', sha256(keep))).toBe(true);
  });
});
