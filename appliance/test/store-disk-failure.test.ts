import { randomBytes } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ContentStore } from '../src/store/store.js';
import type { StoreChange, StoredFile } from '../src/store/types.js';

const cleanups: (() => void)[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ferry-disk-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

async function twoDiskStore(): Promise<{
  store: ContentStore;
  dirs: string[];
  files: StoredFile[];
  warnings: string[];
}> {
  const root = tempDir();
  const dirs = [join(root, 'ssd0'), join(root, 'ssd1')];
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (l: string) => warnings.push(JSON.parse(l).msg) });
  const store = ContentStore.open(dirs, { logger, checkIntervalMs: 0, flushIntervalMs: 0 });
  cleanups.push(() => store.close());
  const files = [];
  for (let i = 0; i < 12; i++) {
    const src = join(root, `f${i}`);
    writeFileSync(src, randomBytes(64));
    files.push(await store.add(src));
  }
  return { store, dirs, files, warnings };
}

function expectDiskFailed(store: ContentStore, dirs: string[], files: StoredFile[], failedDir: string): void {
  const failed = store.disks().find((d) => d.path === failedDir)!;
  expect(failed.state).toBe('failed');
  expect(failed.reason).toMatch(/health check/);
  const healthy = store.disks().find((d) => d.path !== failedDir)!;
  expect(healthy.state).toBe('ok');
  for (const f of files) {
    const found = store.lookup(f.id)!;
    if (f.disk === failed.id) expect(found.missing).toBe(true);
    else expect(found).toEqual(f);
  }
  const stats = store.stats();
  expect(stats.files).toBe(files.filter((f) => f.disk === healthy.id).length);
  expect(dirs).toContain(failedDir);
}

describe('content store: a failed disk', () => {
  it('is marked failed when its directory disappears, and the other disk keeps serving', async () => {
    const { store, dirs, files, warnings } = await twoDiskStore();
    const changes: StoreChange[] = [];
    store.onChange((c) => changes.push(c));
    renameSync(dirs[0]!, `${dirs[0]}-pulled`);
    store.checkHealth();
    expectDiskFailed(store, dirs, files, dirs[0]!);
    expect(warnings).toContain('store: disk failed, its files are unavailable');
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ type: 'disk-failed' });
    // New content goes to the disk that still works.
    const extra = join(tempDir(), 'late');
    writeFileSync(extra, 'late');
    const late = await store.add(extra);
    expect(late.disk).toBe(store.disks()[1]!.id);
  });

  it('is marked failed when its directory is replaced by a file', async () => {
    const { store, dirs, files } = await twoDiskStore();
    rmSync(dirs[1]!, { recursive: true, force: true });
    writeFileSync(dirs[1]!, 'not a directory');
    store.checkHealth();
    expectDiskFailed(store, dirs, files, dirs[1]!);
    // Closing flushes hits only to healthy disks and does not throw.
    for (const f of files) store.recordHit(f.id);
    store.close();
  });

  it('runs the health check on its own timer', async () => {
    const root = tempDir();
    const dirs = [join(root, 'a'), join(root, 'b')];
    const store = ContentStore.open(dirs, { checkIntervalMs: 20 });
    cleanups.push(() => store.close());
    rmSync(dirs[0]!, { recursive: true, force: true });
    await new Promise((r) => setTimeout(r, 150));
    expect(store.disks().map((d) => d.state)).toEqual(['failed', 'ok']);
  });

  it('is failed at open when the directory is missing (create: false) or is a file', () => {
    const root = tempDir();
    const file = join(root, 'file');
    writeFileSync(file, 'x');
    const store = ContentStore.open([join(root, 'absent'), file, join(root, 'good')], {
      create: false,
      checkIntervalMs: 0,
    });
    cleanups.push(() => store.close());
    const states = store.disks().map((d) => [d.state, d.reason?.replace(/:.*/, '')]);
    expect(states).toEqual([
      ['failed', 'cannot open'],
      ['failed', 'cannot open'],
      ['failed', 'cannot open'],
    ]);
  });

  it('refuses adds with a named error when no disk is healthy', async () => {
    const root = tempDir();
    const file = join(root, 'file');
    writeFileSync(file, 'x');
    const store = ContentStore.open([file], { checkIntervalMs: 0 });
    cleanups.push(() => store.close());
    await expect(store.add(file, 'x')).rejects.toMatchObject({ code: 'FERRY_ERR_STORE_NO_HEALTHY_DISK' });
  });
});
