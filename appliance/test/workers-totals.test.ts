// The primary's sums over its workers' reports (cluster/totals.ts) and a worker following
// the primary's shared state (cluster/worker-sync.ts) with its real content faults,
// throttle and store: what the process tests see end to end, case by case.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ContentFaults } from '../src/chaos/content-faults.js';
import { SendThrottle } from '../src/chaos/throttle.js';
import type { SharedState, WorkerReport } from '../src/cluster/messages.js';
import { SharedStateHub } from '../src/cluster/shared-state.js';
import { WorkerTotals } from '../src/cluster/totals.js';
import { NO_SHARED_STATE, type ServingParts, WorkerSync } from '../src/cluster/worker-sync.js';
import { FileTraffic } from '../src/ops/file-traffic.js';
import { ApplianceMetrics } from '../src/ops/metrics.js';
import { ResponseTally } from '../src/ops/response-tally.js';
import type { ApplianceServer } from '../src/server.js';
import { ContentStore } from '../src/store/store.js';
import { testBytes } from './support/appliance-fixture.js';

const report = (over: Partial<WorkerReport> = {}): WorkerReport => ({
  state: 'serving',
  requestsInFlight: 0,
  bytesSent: 0,
  responses: { total: 0, failed: 0 },
  served: [],
  open: [],
  ...over,
});

describe('WorkerTotals', () => {
  it('sums the workers: bytes and responses as deltas, connections and bodies in flight as of now', () => {
    const t = new WorkerTotals();
    t.record(
      0,
      100,
      report({ bytesSent: 500, requestsInFlight: 2, responses: { total: 3, failed: 1 }, open: [['a', 1]] }),
    );
    t.record(
      1,
      101,
      report({
        bytesSent: 700,
        requestsInFlight: 1,
        responses: { total: 2, failed: 0 },
        open: [
          ['a', 2],
          ['b', 1],
        ],
      }),
    );
    t.record(
      0,
      100,
      report({ bytesSent: 50, requestsInFlight: 0, responses: { total: 1, failed: 0 }, served: [['a', 40]] }),
    );
    expect(t.bytesSent()).toBe(1250);
    expect(t.tally.snapshot()).toEqual({ total: 6, failed: 1 });
    expect(t.connections()).toBe(1);
    // Worker 0's latest report has nothing in flight; worker 1's still has.
    expect(t.inFlight('a')).toBe(2);
    expect(t.inFlight('b')).toBe(1);
    expect(t.served.take()).toEqual([{ fileId: 'a', bytes: 40 }]);
    expect(t.list()).toEqual([
      { index: 0, pid: 100, state: 'serving', requestsInFlight: 0 },
      { index: 1, pid: 101, state: 'serving', requestsInFlight: 1 },
    ]);
  });

  it('forgets an exited worker in flight, and a restarted one never moves a total back', () => {
    const t = new WorkerTotals();
    t.record(
      0,
      100,
      report({ bytesSent: 900, requestsInFlight: 3, responses: { total: 9, failed: 0 }, open: [['a', 3]] }),
    );
    t.gone(0);
    expect(t.connections()).toBe(0);
    expect(t.inFlight('a')).toBe(0);
    t.record(0, 200, report({ bytesSent: 10, responses: { total: 1, failed: 0 } }));
    expect(t.bytesSent()).toBe(910);
    expect(t.tally.snapshot().total).toBe(10);
  });

  it('serves while any worker serves, drains until every worker is drained', () => {
    const t = new WorkerTotals();
    expect(t.state()).toBe('serving');
    t.record(0, 1, report({ state: 'draining' }));
    t.record(1, 2, report({ state: 'serving' }));
    expect(t.state()).toBe('serving');
    t.record(1, 2, report({ state: 'drained' }));
    expect(t.state()).toBe('draining');
    t.record(0, 1, report({ state: 'drained' }));
    expect(t.state()).toBe('drained');
  });
});

describe('SharedStateHub and WorkerSync', () => {
  const dirs: string[] = [];
  const stores: ContentStore[] = [];
  const registries: ApplianceMetrics[] = [];
  afterEach(() => {
    for (const m of registries.splice(0)) m.close();
    for (const s of stores.splice(0)) s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  async function storeWithClip(dir: string): Promise<ContentStore> {
    const s = ContentStore.open([join(dir, 'store')], { checkIntervalMs: 0 });
    writeFileSync(join(dir, 'clip'), testBytes(1000, 'clip'));
    await s.add(join(dir, 'clip'), 'clip');
    stores.push(s);
    return s;
  }

  function worker(store: ContentStore, workers = 2, onUnreadable?: (id: string, why: string) => void) {
    const faults = new ContentFaults({ injected: () => {} }, () => 0);
    const throttle = new SendThrottle();
    const parts: ServingParts = {
      metrics: new ApplianceMetrics({
        activeTransfers: () => 0,
        store: () => store.stats(),
        isolated: () => false,
      }),
      server: { state: 'serving', requestsInFlight: 0 } as unknown as ApplianceServer,
      store,
      faults,
      throttle,
      traffic: new FileTraffic(),
      tally: new ResponseTally(),
      logger: pino({ level: 'silent' }),
    };
    registries.push(parts.metrics);
    return { sync: new WorkerSync(parts, workers, onUnreadable), faults, throttle, parts };
  }

  it("applies the primary's faults in its order, splits the throttle cap, and clears what ended", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-sync-'));
    dirs.push(dir);
    const store = await storeWithClip(dir);
    const w = worker(store);
    const published: SharedState[] = [];
    const hub = new SharedStateHub((s) => {
      published.push(s);
      w.sync.apply(s);
    });
    const t = hub.targets(store);
    t.content.setLatency('a', { delayMs: 100 });
    t.content.setLatency('b', { delayMs: 300 });
    expect(w.faults.plan().delayMs).toBe(300);
    t.content.clear('b');
    expect(w.faults.plan().delayMs).toBe(100);
    t.content.setErrors('e', { fraction: 1 });
    expect(w.faults.plan().fail).toBe('503');
    t.content.clear('e');
    t.content.clear('a');
    expect(w.faults.plan()).toEqual({ delayMs: 0 });

    t.throttle.set('slow', { bytesPerSec: 1_000_000 });
    expect(published.at(-1)!.throttle).toEqual([['slow', { bytesPerSec: 1_000_000 }]]);
    expect(w.throttle.active).toBe(true);
    t.throttle.clear('slow');
    expect(w.throttle.active).toBe(false);

    hub.setIsolated(true);
    expect(w.sync.isolated).toBe(true);
    hub.setIsolated(false);
    expect(w.sync.isolated).toBe(false);
  });

  it("fails and restores a chaos disk in the primary's store and the worker's", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-sync-'));
    dirs.push(dir);
    const primaryStore = await storeWithClip(dir);
    const workerStore = ContentStore.open([join(dir, 'store')], { checkIntervalMs: 0 });
    stores.push(workerStore);
    const w = worker(workerStore);
    const hub = new SharedStateHub((s) => w.sync.apply(s));
    const t = hub.targets(primaryStore);
    const disk = primaryStore.disks()[0]!.id;
    t.store.markDiskFailed(disk, 'chaos experiment d');
    expect(primaryStore.disks()[0]!.state).toBe('failed');
    expect(workerStore.disks()[0]!.state).toBe('failed');
    expect(workerStore.lookup('clip')?.missing).toBe(true);
    expect(t.store.restoreDisk(disk)).toBe(true);
    expect(workerStore.disks()[0]!.state).toBe('ok');
    expect(workerStore.lookup('clip')?.missing).toBeUndefined();
  });

  it('a restarted worker takes the whole state at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-sync-'));
    dirs.push(dir);
    const store = await storeWithClip(dir);
    const hub = new SharedStateHub(() => {});
    hub.targets(store).content.setErrors('e', { fraction: 1, mode: 'reset' });
    hub.setIsolated(true);
    const w = worker(store);
    w.sync.apply(NO_SHARED_STATE);
    w.sync.apply(hub.snapshot());
    expect(w.faults.plan().fail).toBe('reset');
    expect(w.sync.isolated).toBe(true);
  });

  it("reports deltas of its own counters, and re-reads the index when the primary's store changed", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-sync-'));
    dirs.push(dir);
    const primaryStore = await storeWithClip(dir);
    const workerStore = ContentStore.open([join(dir, 'store')], { checkIntervalMs: 0 });
    stores.push(workerStore);
    const w = worker(workerStore);
    w.parts.tally.record(206, true);
    w.parts.tally.record(503, true);
    w.parts.traffic.begin('clip');
    w.parts.traffic.addServed('clip', 99);
    w.parts.metrics.countBytesSent('copy', 99);
    expect(await w.sync.report()).toEqual({
      state: 'serving',
      requestsInFlight: 0,
      bytesSent: 99,
      responses: { total: 2, failed: 1 },
      served: [['clip', 99]],
      open: [['clip', 1]],
    });
    const again = await w.sync.report();
    expect(again).toMatchObject({ bytesSent: 0, responses: { total: 0, failed: 0 }, served: [] });

    writeFileSync(join(dir, 'fresh'), testBytes(500, 'fresh'));
    await primaryStore.add(join(dir, 'fresh'), 'fresh');
    expect(workerStore.lookup('fresh')).toBeUndefined();
    w.sync.refreshStore();
    expect(workerStore.lookup('fresh')?.size).toBe(500);
    await primaryStore.remove('fresh');
    w.sync.refreshStore();
    expect(workerStore.lookup('fresh')).toBeUndefined();
  });

  it('tells the primary of a file it found unreadable, not of one removed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-sync-'));
    dirs.push(dir);
    const store = await storeWithClip(dir);
    writeFileSync(join(dir, 'other'), testBytes(10, 'other'));
    await store.add(join(dir, 'other'), 'other');
    const told: [string, string][] = [];
    worker(store, 2, (id, why) => told.push([id, why]));
    store.markUnreadable('clip', 'EIO: i/o error');
    await store.remove('other');
    expect(told).toEqual([['clip', 'EIO: i/o error']]);
  });
});
