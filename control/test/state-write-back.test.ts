// The write-back rules (state/write-back.ts), on a SQLite store since they are the same for
// any backend: the latest wins, and a copy another instance stored later is kept.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heldStateOf } from '../src/model/held-state.js';
import { ControlModel } from '../src/model/model.js';
import { PendingWrites } from '../src/state/pending-writes.js';
import { openSqliteStore } from '../src/state/sqlite-store.js';
import type { StateStore } from '../src/state/store.js';
import { writeBackKey } from '../src/state/write-back.js';
import { applianceRecord } from './support/test-data.js';

const record = (lastHeartbeatMs: number) => applianceRecord('a1', lastHeartbeatMs);

describe('write-back of held state', () => {
  let dir = '';
  let store: StateStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-write-back-'));
    store = await openSqliteStore(join(dir, 'wb.db'), { logger: { error: () => {}, warn: () => {} } });
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    { stored: 200, ours: 100, result: 'theirs-newer', after: 200 },
    { stored: 100, ours: 200, result: 'written', after: 200 },
  ])('appliance record: stored $stored, ours $ours → $result', async ({ stored, ours, result, after }) => {
    const model = new ControlModel();
    model.setAppliance(record(ours));
    await store.putAppliance(record(stored));
    expect(await writeBackKey(store, heldStateOf(model), { kind: 'appliance', id: 'a1' })).toBe(result);
    expect((await store.getAppliance('a1'))?.lastHeartbeatMs).toBe(after);
  });

  it('appliance record: written where the store has none; nothing held, nothing written', async () => {
    const model = new ControlModel();
    model.setAppliance({ ...record(7), id: 'fresh' });
    const held = heldStateOf(model);
    expect(await writeBackKey(store, held, { kind: 'appliance', id: 'fresh' })).toBe('written');
    expect((await store.getAppliance('fresh'))?.lastHeartbeatMs).toBe(7);
    expect(await writeBackKey(store, held, { kind: 'appliance', id: 'unknown' })).toBe('absent');
  });

  it.each([
    { stored: { epoch: 'e', version: 9 }, result: 'theirs-newer', version: 9 },
    { stored: { epoch: 'e', version: 5 }, result: 'kept', version: 5 },
    { stored: { epoch: 'e', version: 2 }, result: 'written', version: 5 },
    { stored: { epoch: 'other', version: 9 }, result: 'written', version: 5 },
  ])(
    'routes: stored $stored.epoch/$stored.version, ours e/5 → $result',
    async ({ stored, result, version }) => {
      const model = new ControlModel();
      await model.setRoutes('a1', { epoch: 'e', version: 5, prefixes: ['10.0.0.0/8'] });
      await store.putRoutes('a1', { ...stored, prefixes: ['192.0.2.0/24'] });
      expect(await writeBackKey(store, heldStateOf(model), { kind: 'routes', id: 'a1' })).toBe(result);
      expect((await store.getRoutes('a1'))?.version).toBe(version);
    },
  );

  it('inventory: a later stored version is kept, an older one replaced', async () => {
    const model = new ControlModel();
    model.setInventory('a1', { version: 3, files: ['f'] });
    await store.putInventory('a1', { version: 4, files: [] });
    expect(await writeBackKey(store, heldStateOf(model), { kind: 'inventory', id: 'a1' })).toBe(
      'theirs-newer',
    );
    await store.putInventory('a1', { version: 2, files: [] });
    expect(await writeBackKey(store, heldStateOf(model), { kind: 'inventory', id: 'a1' })).toBe('written');
    expect(await store.getInventory('a1')).toEqual({ version: 3, files: ['f'] });
  });
});

describe('held changes', () => {
  it('keeps a key changed again while its write-back was in flight', () => {
    const p = new PendingWrites(2);
    p.mark({ kind: 'appliance', id: 'a1' });
    const [first] = p.heldKeys();
    p.mark({ kind: 'appliance', id: 'a1' });
    p.written(first as NonNullable<typeof first>);
    expect(p.holds({ kind: 'appliance', id: 'a1' })).toBe(true);
    const [second] = p.heldKeys();
    p.written(second as NonNullable<typeof second>);
    expect(p.size).toBe(0);
  });

  it('keeps the latest events up to its cap and counts the dropped', () => {
    const p = new PendingWrites(2);
    for (const kind of ['a', 'b', 'c']) p.mark({ kind: 'event', event: { timeMs: 1, kind } });
    expect(p.droppedEvents).toBe(1);
    expect(p.takeEvents().map((e) => e.kind)).toEqual(['b', 'c']);
  });
});
