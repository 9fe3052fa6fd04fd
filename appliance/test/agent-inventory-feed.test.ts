import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InventoryFeed } from '../src/agent/inventory-feed.js';
import { ContentStore } from '../src/store/store.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function openStore(disks = 1): { store: ContentStore; root: string; put(id: string): Promise<void> } {
  const root = mkdtempSync(join(tmpdir(), 'ferry-inv-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const dirs = Array.from({ length: disks }, (_, i) => join(root, `ssd${i}`));
  const store = ContentStore.open(dirs, { checkIntervalMs: 0, flushIntervalMs: 0 });
  cleanups.push(() => store.close());
  return {
    store,
    root,
    async put(id: string) {
      const src = join(root, `src-${id}`);
      writeFileSync(src, `bytes of ${id}`);
      await store.add(src, id);
    },
  };
}

describe('InventoryFeed', () => {
  it('lists what the store holds at open, at version 0', async () => {
    const { store, put } = openStore();
    await put('a');
    await put('b');
    const feed = new InventoryFeed(store);
    cleanups.push(() => feed.close());
    expect(feed.full().version).toBe(0);
    expect(feed.full().files.sort()).toEqual(['a', 'b']);
  });

  it('gives the changes since a version, each file once with its latest state', async () => {
    const { store, put } = openStore();
    await put('a');
    const feed = new InventoryFeed(store);
    cleanups.push(() => feed.close());
    await put('b');
    const v = feed.version;
    await put('c');
    await store.remove('a');
    await put('d');
    await store.remove('d');
    await put('b');
    expect(feed.version).toBe(v + 5);
    const d = feed.since(v);
    if ('resync' in d) throw new Error('unexpected resync');
    expect(d.since).toBe(v);
    expect(d.added.sort()).toEqual(['b', 'c']);
    expect(d.removed.sort()).toEqual(['a', 'd']);
    expect(feed.since(feed.version)).toEqual({
      since: feed.version,
      version: feed.version,
      added: [],
      removed: [],
    });
    expect(feed.full().files.sort()).toEqual(['b', 'c']);
  });

  it('reports the files of a failed disk as removed and leaves them out of the full list', async () => {
    const { store, put } = openStore(2);
    for (const id of ['f0', 'f1', 'f2', 'f3', 'f4', 'f5']) await put(id);
    const feed = new InventoryFeed(store);
    cleanups.push(() => feed.close());
    const disk = store.disks()[0]!.id;
    const lost = store
      .list()
      .filter((f) => f.disk === disk)
      .map((f) => f.id)
      .sort();
    store.markDiskFailed(disk, 'test');
    const d = feed.since(0);
    if ('resync' in d) throw new Error('unexpected resync');
    expect(d.removed.sort()).toEqual(lost);
    expect(feed.full().files.length).toBe(6 - lost.length);
  });

  it('asks for the full list when the version is older than the log, newer than now, or not an integer', async () => {
    const { store, put } = openStore();
    const feed = new InventoryFeed(store, { maxLog: 3 });
    cleanups.push(() => feed.close());
    for (let i = 0; i < 10; i++) await put(`f${i}`);
    expect(feed.since(0)).toEqual({ version: 10, resync: true });
    expect(feed.since(6)).toEqual({ version: 10, resync: true });
    expect(feed.since(11)).toEqual({ version: 10, resync: true });
    expect(feed.since(8.5)).toEqual({ version: 10, resync: true });
    const d = feed.since(7);
    if ('resync' in d) throw new Error('unexpected resync');
    expect(d.added).toEqual(['f7', 'f8', 'f9']);
  });

  it('stops following the store once closed', async () => {
    const { store, put } = openStore();
    const feed = new InventoryFeed(store);
    feed.close();
    await put('a');
    expect(feed.version).toBe(0);
  });
});
