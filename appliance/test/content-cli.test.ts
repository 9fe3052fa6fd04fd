import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseCatalog } from '@ferry/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { ContentStore } from '../src/store/store.js';

const FERRY = resolve(import.meta.dirname, '../../cli/bin/ferry.js');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function ferry(...args: string[]) {
  return spawnSync(process.execPath, [FERRY, ...args], { encoding: 'utf8', timeout: 60_000 });
}

describe('ferry content (CLI)', () => {
  it('generates titles, then adds them to a two-disk store', () => {
    const root = mkdtempSync(join(tmpdir(), 'ferry-cli-'));
    dirs.push(root);
    const out = join(root, 'content');
    const gen = ferry(
      'content',
      'generate',
      '--out',
      out,
      '--titles',
      '2',
      '--minutes',
      '0.1',
      '--seed',
      'cli',
    );
    expect(gen.stderr).toBe('');
    expect(gen.status).toBe(0);
    expect(gen.stdout).toMatch(/generated 2 titles, 16 files/);
    const catalog = parseCatalog(JSON.parse(readFileSync(join(out, 'catalog.json'), 'utf8')));
    const streams = catalog.titles.flatMap((t) => t.streams);

    const stores = [join(root, 'ssd0'), join(root, 'ssd1')];
    const files = streams.map((s) => join(out, s.streamId));
    const add = ferry('content', 'add', '--store', stores[0]!, '--store', stores[1]!, ...files);
    expect(add.status).toBe(0);
    const lines = add.stdout.trim().split('\n');
    expect(lines).toHaveLength(streams.length);
    for (const [i, line] of lines.entries()) {
      const [id, , size, sha256] = line.split('\t');
      expect(id).toBe(streams[i]!.streamId);
      expect(Number(size)).toBe(streams[i]!.size);
      expect(sha256).toBe(streams[i]!.sha256);
    }
    const store = ContentStore.open(stores, { checkIntervalMs: 0 });
    expect(store.stats().files).toBe(streams.length);
    store.close();
  });

  it('fails with a clear message and a non-zero exit for a missing file or a bad id', () => {
    const root = mkdtempSync(join(tmpdir(), 'ferry-cli-'));
    dirs.push(root);
    const missing = ferry('content', 'add', '--store', join(root, 's'), join(root, 'nope'));
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/FERRY_ERR_STORE_SOURCE_MISSING: no such file: .*nope/);
    writeFileSync(join(root, '.hidden'), 'x');
    writeFileSync(join(root, 'fine'), 'y');
    const badId = ferry(
      'content',
      'add',
      '--store',
      join(root, 's'),
      join(root, 'fine'),
      join(root, '.hidden'),
    );
    expect(badId.status).not.toBe(0);
    expect(badId.stderr).toMatch(/FERRY_ERR_STORE_BAD_FILE_ID: bad file id "\.hidden"/);
    // Arguments are checked before anything is copied.
    const filesDir = join(root, 's', 'files');
    expect(existsSync(filesDir) ? readdirSync(filesDir) : []).toEqual([]);
  });
});
