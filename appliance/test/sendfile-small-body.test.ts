// Small bodies whose pages are cached are read on the event loop (preadv2 RWF_NOWAIT through
// held descriptors) and written by node; a cold page, a larger body or a paced transfer goes
// through the engine as before. Evicting a file's pages uses GNU dd's `iflag=nocache`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, loadSendfileEngine } from '../src/sendfile/binding.js';
import { FdCache } from '../src/sendfile/fd-cache.js';
import type { NativeSender } from '../src/sendfile/native-sender.js';
import { SMALL_BODY_MAX, SmallBodies } from '../src/sendfile/small-body.js';
import { exchange, pattern, request, splitResponses, startFixture } from './sendfile-fixture.js';

const loaded = loadSendfileEngine();

/** Writes the file's dirty pages back, then drops them from the page cache (dd's fadvise). */
function evict(path: string): void {
  const r = spawnSync(
    'dd',
    [`of=${path}`, 'oflag=nocache', 'conv=notrunc,fdatasync', 'count=0', 'status=none'],
    {
      timeout: 10_000,
    },
  );
  if (r.status !== 0) throw new Error(`dd could not evict ${path}: ${r.stderr}`);
}

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

describe('small bodies', () => {
  let dir: string;
  let file: string;
  const data = pattern(1024 * 1024);
  beforeAll(() => {
    if (!loaded.ok) throw new Error(`sendfile engine not loaded: ${loaded.reason}`);
    dir = mkdtempSync(join(tmpdir(), 'ferry-small-'));
    file = join(dir, 'f.bin');
    writeFileSync(file, data);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function engine() {
    if (!loaded.ok) throw new Error('no engine');
    return createEngine(loaded.binding, { onDone: () => {} });
  }

  it('reads cached ranges and literal bytes into one buffer, refuses cold pages', () => {
    const e = engine();
    const small = new SmallBodies(e.readCached!);
    try {
      const head = Buffer.from('--b\r\n');
      const parts = [
        { kind: 'bytes' as const, data: head },
        { kind: 'file' as const, offset: 5000, length: 100 },
        { kind: 'file' as const, offset: 900_000, length: 3000 },
      ];
      const body = small.read(file, parts, 3105, Date.now());
      expect(body).not.toBeNull();
      expect(
        body!.equals(Buffer.concat([head, data.subarray(5000, 5100), data.subarray(900_000, 903_000)])),
      ).toBe(true);
      evict(file);
      expect(small.read(file, parts, 3105, Date.now())).toBeNull();
      // Past the end of the file: not read here (the engine reports the short file).
      expect(
        small.read(file, [{ kind: 'file', offset: data.length - 10, length: 20 }], 20, Date.now()),
      ).toBeNull();
      expect(
        small.read(join(dir, 'absent'), [{ kind: 'file', offset: 0, length: 1 }], 1, Date.now()),
      ).toBeNull();
    } finally {
      small.close();
      e.close();
    }
  });

  it('sends a cached small body without the engine, a cold or large one through it', async () => {
    const fx = await startFixture('sendfile', { size: 4 * 1024 * 1024 });
    try {
      const sender = fx.sender as NativeSender;
      const submitted = () => sender.stats().submitted;
      const get = async (spec: string) =>
        splitResponses(await exchange(fx.port, request(`/?p=${spec}`, true)))[0]!;
      await get('f:0:100'); // pages in, descriptor held
      const before = submitted();
      const warm = await get('f:1000:100');
      expect(warm.body.equals(fx.data.subarray(1000, 1100))).toBe(true);
      expect(submitted()).toBe(before);
      evict(fx.file);
      const cold = await get('f:2000000:100');
      expect(cold.body.equals(fx.data.subarray(2_000_000, 2_000_100))).toBe(true);
      expect(submitted()).toBe(before + 1);
      const large = await get(`f:0:${SMALL_BODY_MAX + 1}`);
      expect(large.body.equals(fx.data.subarray(0, SMALL_BODY_MAX + 1))).toBe(true);
      expect(submitted()).toBe(before + 2);
    } finally {
      await fx.stop();
    }
  });

  it('holds a bounded number of descriptors and closes idle ones', async () => {
    const files = Array.from({ length: 6 }, (_, i) => {
      const p = join(dir, `c${i}.bin`);
      writeFileSync(p, 'x');
      return p;
    });
    const base = openFds();
    const cache = new FdCache(4, 1000);
    try {
      for (const p of files) cache.fd(p, Date.now());
      expect(cache.size).toBe(4);
      // The two descriptors it let go of are closed on the pool: their closes land just after.
      await eventually(() => expect(openFds() - base).toBeLessThanOrEqual(4), {
        what: 'evicted descriptors closed',
        timeoutMs: 5000,
      });
      // The same path gives the same descriptor while held.
      expect(cache.fd(files[5]!, Date.now())).toBe(cache.fd(files[5]!, Date.now()));
      // The idle sweep runs every second; closes land on the pool just after.
      const deadline = Date.now() + 10_000;
      while (cache.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(cache.size).toBe(0);
    } finally {
      cache.close();
    }
  });
});
