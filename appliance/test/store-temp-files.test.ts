// Regression: an appliance (re)starting while another process ran `ferry content add`
// deleted that add's temp file, and the add failed after writing gigabytes. Startup
// cleanup now leaves temp files of live processes alone.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ContentStore } from '../src/store/store.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

describe('store open: leftover temp files', () => {
  it("keeps a live process's copy in progress, removes a dead one's", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ferry-temps-')), 'ssd');
    cleanups.push(() => rmSync(join(dir, '..'), { recursive: true, force: true }));
    ContentStore.open([dir], { checkIntervalMs: 0 }).close();
    // A live writer: a child that sleeps until the test stops it by pid.
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    cleanups.push(() => {
      if (live.pid && live.exitCode === null) process.kill(live.pid, 'SIGKILL');
    });
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const tmp = join(dir, '.ferry', 'tmp');
    const liveTemp = join(tmp, `${live.pid}-0badc0de-big-title`);
    const deadTemp = join(tmp, `${dead}-0badc0de-big-title`);
    writeFileSync(liveTemp, randomBytes(1000));
    writeFileSync(deadTemp, randomBytes(1000));

    ContentStore.open([dir], { checkIntervalMs: 0 }).close();
    expect(existsSync(liveTemp)).toBe(true);
    expect(existsSync(deadTemp)).toBe(false);
  });

  it('an add in progress survives another store opening the same disk', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ferry-temps-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const dir = join(root, 'ssd');
    const src = join(root, 'src');
    writeFileSync(src, randomBytes(8 << 20));
    const adder = ContentStore.open([dir], { checkIntervalMs: 0 });
    cleanups.push(() => adder.close());
    const adding = adder.add(src, 'big');
    // Let the copy start (the temp file exists), then "restart the appliance".
    await new Promise((r) => setTimeout(r, 5));
    ContentStore.open([dir], { checkIntervalMs: 0 }).close();
    const f = await adding;
    expect(f.size).toBe(8 << 20);
    expect(existsSync(f.path)).toBe(true);
  });
});
