// A disk that becomes unreadable while serving: its files answer 404 FILE_ON_FAILED_DISK,
// the other disk keeps serving, status and metrics report the failed disk, nothing crashes.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAppliance, startAppliance } from '../src/app.js';
import { ContentStore } from '../src/store/store.js';
import { testBytes, testConfig } from './support/appliance-fixture.js';
import { get, json } from './support/http-client.js';

describe('a disk fails while serving', () => {
  let dir: string;
  let app: RunningAppliance;
  const disks: string[] = [];
  const onDisk = new Map<string, string>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-disks-'));
    disks.push(join(dir, 'ssd0'), join(dir, 'ssd1'));
    const store = ContentStore.open(disks);
    // Enough files that rendezvous hashing puts some on each disk.
    for (let i = 0; i < 12; i++) {
      const src = join(dir, `f${i}`);
      writeFileSync(src, testBytes(5000, `f${i}`));
      const f = await store.add(src, `f${i}`);
      onDisk.set(f.id, f.path.startsWith(disks[0]!) ? disks[0]! : disks[1]!);
    }
    store.close();
    app = await startAppliance(testConfig({ id: 'disks', stores: disks, storeCheckIntervalMs: 100 }), {
      logger: pino({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('marks the disk failed, reports its files missing and keeps serving the rest', async () => {
    const failing = disks[1]!;
    const lost = [...onDisk].filter(([, d]) => d === failing).map(([id]) => id);
    const kept = [...onDisk].filter(([, d]) => d !== failing).map(([id]) => id);
    expect(lost.length).toBeGreaterThan(0);
    expect(kept.length).toBeGreaterThan(0);
    expect((await get(`${app.url}/v1/c/${lost[0]}`)).status).toBe(200);

    renameSync(failing, `${failing}.gone`);
    let status = 0;
    for (let i = 0; i < 50 && status !== 404; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await get(`${app.url}/v1/c/${lost[0]}`)).status;
    }
    const r = await get(`${app.url}/v1/c/${lost[0]}`);
    expect(r.status).toBe(404);
    expect(json(r).error).toBe('FERRY_ERR_FILE_ON_FAILED_DISK');

    const ok = await get(`${app.url}/v1/c/${kept[0]}`, { Range: 'bytes=0-99' });
    expect(ok.status).toBe(206);
    expect(ok.body.equals(testBytes(5000, kept[0]!).subarray(0, 100))).toBe(true);

    const disksNow = (
      json(await get(`${app.adminUrl}/v1/status`)).store as { disks: { path: string; state: string }[] }
    ).disks;
    expect(disksNow.find((d) => d.path === failing)?.state).toBe('failed');
    expect((await get(`${app.adminUrl}/metrics`)).body.toString()).toMatch(
      /ferry_store_disk_up\{disk="[^"]+"\} 0/,
    );
    expect((await get(`${app.url}/healthz`)).status).toBe(200);
  });
});
