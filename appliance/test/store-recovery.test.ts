import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ContentStore } from '../src/store/store.js';

const cleanups: (() => void)[] = [];

/** A pid that no process has: one of a child that has already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid;
}
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ferry-recover-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** A logger whose warnings the test can read. */
function capture(): { logger: pino.Logger; messages: string[] } {
  const messages: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => messages.push(JSON.parse(line).msg) });
  return { logger, messages };
}

/** Adds `ids` to a store at `dir`; returns where each file's bytes live. */
async function storeWith(dir: string, ids: string[]): Promise<Map<string, string>> {
  const src = tempDir();
  const store = ContentStore.open([dir], { checkIntervalMs: 0 });
  const paths = new Map<string, string>();
  for (const id of ids) {
    writeFileSync(join(src, id), randomBytes(100));
    paths.set(id, (await store.add(join(src, id))).path);
  }
  store.close();
  return paths;
}

describe('content store: consistency after a crash', () => {
  it('indexes a file that has no row (crash between rename and index write)', async () => {
    const dir = join(tempDir(), 'ssd');
    await storeWith(dir, ['a']);
    const bytes = randomBytes(4096);
    writeFileSync(join(dir, 'files', 'orphan'), bytes);
    const { logger, messages } = capture();
    const store = ContentStore.open([dir], { logger, checkIntervalMs: 0 });
    cleanups.push(() => store.close());
    const f = store.lookup('orphan');
    expect(f?.size).toBe(4096);
    expect(f?.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(store.lookup('a')).toBeDefined();
    expect(messages).toContain('store: indexed file that had no index row');
  });

  it('drops a row whose file is gone', async () => {
    const dir = join(tempDir(), 'ssd');
    const paths = await storeWith(dir, ['a', 'b']);
    rmSync(paths.get('b')!);
    const { logger, messages } = capture();
    const store = ContentStore.open([dir], { logger, checkIntervalMs: 0 });
    expect(store.lookup('b')).toBeUndefined();
    expect(store.lookup('a')).toBeDefined();
    store.close();
    expect(messages).toContain('store: dropped index row whose file is gone');
    const db = new Database(join(dir, '.ferry', 'index.db'), { readonly: true });
    expect(db.prepare('SELECT id FROM files').all()).toEqual([{ id: 'a' }]);
    db.close();
  });

  it('re-hashes a file replaced without its row being updated', async () => {
    const dir = join(tempDir(), 'ssd');
    const paths = await storeWith(dir, ['a']);
    const bytes = randomBytes(333);
    writeFileSync(paths.get('a')!, bytes);
    const store = ContentStore.open([dir], { checkIntervalMs: 0 });
    cleanups.push(() => store.close());
    expect(store.lookup('a')?.size).toBe(333);
    expect(store.lookup('a')?.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('removes leftover temp files of copies that never finished', async () => {
    const dir = join(tempDir(), 'ssd');
    await storeWith(dir, ['a']);
    // The old temp name, and the new one of a process that has exited.
    writeFileSync(join(dir, '.ferry', 'tmp', 'big.1234abcd'), randomBytes(1000));
    writeFileSync(join(dir, '.ferry', 'tmp', `${deadPid()}-1234abcd-big`), randomBytes(1000));
    const store = ContentStore.open([dir], { checkIntervalMs: 0 });
    cleanups.push(() => store.close());
    expect(readdirSync(join(dir, '.ferry', 'tmp'))).toEqual([]);
    expect(store.lookup('big')).toBeUndefined();
    expect(store.stats().files).toBe(1);
  });

  it('ignores names that are not valid file ids instead of serving them', async () => {
    const dir = join(tempDir(), 'ssd');
    await storeWith(dir, ['a']);
    writeFileSync(join(dir, 'files', '.partial'), 'x');
    const store = ContentStore.open([dir], { checkIntervalMs: 0 });
    cleanups.push(() => store.close());
    expect(store.stats().files).toBe(1);
    expect(existsSync(join(dir, 'files', '.partial'))).toBe(true);
  });

  it('keeps the newer copy when one id is found on two disks', async () => {
    const root = tempDir();
    const d1 = join(root, 'd1');
    const d2 = join(root, 'd2');
    const store = ContentStore.open([d1, d2], { checkIntervalMs: 0 });
    const src = join(root, 'src');
    writeFileSync(src, randomBytes(10));
    const f = await store.add(src, 'dup');
    store.close();
    const other = f.path.startsWith(d1) ? d2 : d1;
    const newer = randomBytes(20);
    writeFileSync(join(other, 'files', 'dup'), newer);
    // Unambiguously newer, whatever the file system's timestamp granularity.
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(other, 'files', 'dup'), later, later);
    const again = ContentStore.open([d1, d2], { checkIntervalMs: 0 });
    cleanups.push(() => again.close());
    expect(again.lookup('dup')?.size).toBe(20);
    expect(existsSync(f.path)).toBe(false);
  });
});
