import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ContentStore } from '../src/store/store.js';

const cleanups: (() => void)[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ferry-store-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
function openStore(dirs: string[]): ContentStore {
  const s = ContentStore.open(dirs, { checkIntervalMs: 0, flushIntervalMs: 0 });
  cleanups.push(() => s.close());
  return s;
}
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function source(dir: string, name: string, size: number): { path: string; bytes: Buffer; sha256: string } {
  const bytes = randomBytes(size);
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { path, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

describe('content store: add, lookup, restart', () => {
  it('adds files across disks and finds them in memory, with sha256 computed while copying', async () => {
    const src = tempDir();
    const disks = [join(tempDir(), 'ssd0'), join(tempDir(), 'ssd1')];
    const store = openStore(disks);
    const added = [];
    for (let i = 0; i < 20; i++) {
      const s = source(src, `f${i}`, 1000 + i);
      const f = await store.add(s.path);
      expect(f.sha256).toBe(s.sha256);
      expect(isAbsolute(f.path)).toBe(true);
      expect(readFileSync(f.path).equals(s.bytes)).toBe(true);
      added.push(f);
    }
    expect(new Set(added.map((f) => f.disk)).size).toBe(2);
    expect(store.lookup('f3')).toEqual(added[3]);
    expect(store.lookup('f3')?.missing).toBeUndefined();
    expect(store.lookup('nope')).toBeUndefined();
    const stats = store.stats();
    expect(stats.files).toBe(20);
    expect(stats.bytes).toBe(added.reduce((n, f) => n + f.size, 0));
    expect(stats.disks.map((d) => d.state)).toEqual(['ok', 'ok']);
    expect(stats.disks.reduce((n, d) => n + d.files, 0)).toBe(20);
  });

  it('survives a restart: a reopened store holds the same files on the same disks', async () => {
    const src = tempDir();
    const disks = [join(tempDir(), 'a'), join(tempDir(), 'b')];
    const first = ContentStore.open(disks, { checkIntervalMs: 0 });
    const files = [];
    for (let i = 0; i < 6; i++) files.push(await first.add(source(src, `x${i}`, 500).path));
    const diskIds = first.disks().map((d) => d.id);
    first.close();
    const second = openStore(disks);
    expect(second.disks().map((d) => d.id)).toEqual(diskIds);
    for (const f of files) expect(second.lookup(f.id)).toEqual(f);
  });

  it('replaces an id atomically and keeps one copy', async () => {
    const src = tempDir();
    const store = openStore([join(tempDir(), 'a'), join(tempDir(), 'b')]);
    const v1 = source(src, 'v1', 100);
    const v2 = source(src, 'v2', 200);
    await store.add(v1.path, 'movie');
    const f = await store.add(v2.path, 'movie');
    expect(store.lookup('movie')).toEqual(f);
    expect(f.size).toBe(200);
    expect(readFileSync(f.path).equals(v2.bytes)).toBe(true);
    expect(store.stats().files).toBe(1);
  });

  it('serializes concurrent adds of one id so the row matches the bytes', async () => {
    const src = tempDir();
    const dir = join(tempDir(), 'a');
    const store = openStore([dir]);
    const srcs = [source(src, 'p', 300_000), source(src, 'q', 10), source(src, 'r', 50_000)];
    await Promise.all(srcs.map((s) => store.add(s.path, 'same')));
    const f = store.lookup('same')!;
    expect(createHash('sha256').update(readFileSync(f.path)).digest('hex')).toBe(f.sha256);
    expect(f.sha256).toBe(srcs[2]!.sha256);
  });

  it('removes files from disk and index', async () => {
    const src = tempDir();
    const dir = join(tempDir(), 'a');
    const store = openStore([dir]);
    const f = await store.add(source(src, 'gone', 10).path);
    expect(await store.remove('gone')).toBe(true);
    expect(await store.remove('gone')).toBe(false);
    expect(store.lookup('gone')).toBeUndefined();
    expect(existsSync(f.path)).toBe(false);
  });

  it('rejects bad ids, missing sources and checksum mismatches with named codes', async () => {
    const src = tempDir();
    const store = openStore([join(tempDir(), 'a')]);
    const s = source(src, 'ok', 10);
    await expect(store.add(s.path, '.hidden')).rejects.toMatchObject({ code: 'FERRY_ERR_STORE_BAD_FILE_ID' });
    await expect(store.add(s.path, 'a/b')).rejects.toMatchObject({ code: 'FERRY_ERR_STORE_BAD_FILE_ID' });
    await expect(store.add(join(src, 'none'))).rejects.toMatchObject({
      code: 'FERRY_ERR_STORE_SOURCE_MISSING',
    });
    await expect(store.add(s.path, 'ok', { expectedSha256: '0'.repeat(64) })).rejects.toMatchObject({
      code: 'FERRY_ERR_STORE_CHECKSUM_MISMATCH',
    });
    expect(store.lookup('ok')).toBeUndefined();
    expect(() => ContentStore.open([])).toThrow(
      expect.objectContaining({ code: 'FERRY_ERR_STORE_NO_DISKS' }),
    );
    const d = tempDir();
    expect(() => ContentStore.open([d, `${d}/`])).toThrow(
      expect.objectContaining({ code: 'FERRY_ERR_STORE_DUPLICATE_DISK' }),
    );
  });

  it('counts hits in memory and writes them to the index on close, in one batch', async () => {
    const src = tempDir();
    const dir = join(tempDir(), 'a');
    const store = ContentStore.open([dir], { checkIntervalMs: 0, flushIntervalMs: 0 });
    await store.add(source(src, 'hot', 10).path);
    await store.add(source(src, 'cold', 10).path);
    for (let i = 0; i < 5; i++) store.recordHit('hot');
    store.recordHit('cold');
    store.recordHit('unknown');
    store.close();
    const db = new Database(join(dir, '.ferry', 'index.db'), { readonly: true });
    const rows = db.prepare('SELECT id, hits, last_access_ms FROM files ORDER BY id').all() as {
      id: string;
      hits: number;
      last_access_ms: number;
    }[];
    db.close();
    expect(rows.map((r) => [r.id, r.hits])).toEqual([
      ['cold', 1],
      ['hot', 5],
    ]);
    expect(rows[1]!.last_access_ms).toBeGreaterThan(Date.now() - 60_000);
  });
});
