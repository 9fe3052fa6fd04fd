// Regression: `ferry content add` of an id that a running appliance already serves used to
// rename the new bytes over the old file, while the running store kept the old sha256 (its
// strong ETag) and the old length: new bytes under old metadata, truncated responses. A
// re-added id is a new version with a file of its own; the running store keeps serving the
// old file intact until it picks the new version up, then serves the new one with its own
// ETag and length.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ContentStore } from '../src/store/store.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ferry-readd-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

describe('re-adding an id to a store another process serves', () => {
  it('never puts new bytes under the old metadata, and the server switches to the new version', async () => {
    const root = tempDir();
    const dir = join(root, 'ssd');
    const oldBytes = randomBytes(5000);
    const newBytes = randomBytes(3000);
    writeFileSync(join(root, 'old'), oldBytes);
    writeFileSync(join(root, 'new'), newBytes);

    // The running appliance's store, and the separate `ferry content add` one.
    const serving = ContentStore.open([dir], { checkIntervalMs: 0 });
    cleanups.push(() => serving.close());
    const first = await serving.add(join(root, 'old'), 'title');
    const adder = ContentStore.open([dir], { checkIntervalMs: 0 });
    const second = await adder.add(join(root, 'new'), 'title');
    adder.close();

    expect(second.path).not.toBe(first.path);
    expect(second.sha256).not.toBe(first.sha256);
    // Before the running store looks: its metadata and its file still agree.
    const before = serving.lookup('title')!;
    expect(before.sha256).toBe(first.sha256);
    expect(readFileSync(before.path)).toEqual(oldBytes);
    expect(before.size).toBe(oldBytes.length);

    serving.refresh();
    const after = serving.lookup('title')!;
    expect(after.sha256).toBe(second.sha256);
    expect(after.size).toBe(newBytes.length);
    expect(readFileSync(after.path)).toEqual(newBytes);
    // The old version stays readable for transfers that already chose it.
    expect(existsSync(first.path)).toBe(true);
  });

  it('a fresh open serves the version the index names and drops old ones once stale', async () => {
    const root = tempDir();
    const dir = join(root, 'ssd');
    writeFileSync(join(root, 'v1'), randomBytes(100));
    writeFileSync(join(root, 'v2'), randomBytes(200));
    const a = ContentStore.open([dir], { checkIntervalMs: 0 });
    const v1 = await a.add(join(root, 'v1'), 'x');
    const v2 = await a.add(join(root, 'v2'), 'x');
    a.close();
    const b = ContentStore.open([dir], { checkIntervalMs: 0 });
    cleanups.push(() => b.close());
    expect(b.lookup('x')?.path).toBe(v2.path);
    expect(b.lookup('x')?.size).toBe(200);
    // Younger than a minute: it may be an add still committing in another process.
    expect(existsSync(v1.path)).toBe(true);
  });
});
