// The disk fault on a real two-disk appliance: the disk's files become unservable and are
// reported gone to control, as when a disk really fails, while the other disk serves on;
// the revert brings the disk back (opened and checked again), its files servable and
// reported again.
import { eventually } from '@ferry/harness';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChaosFixture, chaosStatus, startChaosFixture, waitRunning } from './support/chaos-control.js';
import { get, json } from './support/http-client.js';

const running: ChaosFixture[] = [];
afterEach(async () => {
  for (const f of running.splice(0)) await f.stop();
});

interface DiskRow {
  id: string;
  path: string;
  state: string;
  reason?: string;
}

async function disks(f: ChaosFixture): Promise<DiskRow[]> {
  return (json(await get(`${f.fx.adminUrl}/v1/status`)).store as { disks: DiskRow[] }).disks;
}

/** Every file id the heartbeats since `from` reported added or removed. */
function reported(f: ChaosFixture, from: number): { added: Set<string>; removed: Set<string> } {
  const added = new Set<string>();
  const removed = new Set<string>();
  for (const r of f.control.fake.heartbeats.slice(from)) {
    const inv = r.body.inventory;
    if (inv?.kind !== 'delta') continue;
    for (const id of inv.added) added.add(id);
    for (const id of inv.removed) removed.add(id);
  }
  return { added, removed };
}

describe('disk fault', () => {
  it('fails one disk (its files 404 and reported gone) and brings it back on revert', async () => {
    const files = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`f${i}`, 5000]));
    const f = await startChaosFixture({ files, disks: 2 });
    running.push(f);
    const [, target] = await disks(f);
    // Which files the target disk holds.
    const held = f.fx.app.store.list();
    const lost = held.filter((x) => x.disk === target!.id).map((x) => x.id);
    const kept = held.filter((x) => x.disk !== target!.id).map((x) => x.id);
    expect(lost.length).toBeGreaterThan(0);
    expect(kept.length).toBeGreaterThan(0);

    const from = f.control.fake.heartbeats.length;
    f.control.want({ experimentId: 'dsk', kind: 'disk', params: { disk: target!.id }, durationMs: 60_000 });
    await waitRunning(f.fx, 'dsk', true);
    expect((await chaosStatus(f.fx)).active[0]).toMatchObject({ detail: { disk: target!.id } });
    expect((await disks(f)).find((d) => d.id === target!.id)).toMatchObject({
      state: 'failed',
      reason: 'chaos experiment dsk',
    });
    for (const id of lost) {
      const r = await get(`${f.fx.url}/v1/c/${id}`);
      expect(r.status).toBe(404);
      expect(json(r).error).toBe('FERRY_ERR_FILE_ON_FAILED_DISK');
    }
    for (const id of kept) expect((await get(`${f.fx.url}/v1/c/${id}`)).status).toBe(200);
    await eventually(() => expect([...reported(f, from).removed].sort()).toEqual([...lost].sort()));

    const back = f.control.fake.heartbeats.length;
    f.control.drop('dsk');
    await waitRunning(f.fx, 'dsk', false);
    expect((await disks(f)).find((d) => d.id === target!.id)).toMatchObject({ state: 'ok' });
    for (const id of [...lost, ...kept]) {
      const r = await get(`${f.fx.url}/v1/c/${id}`);
      expect(r.status).toBe(200);
      expect(r.body.equals(f.fx.files.get(id)!)).toBe(true);
    }
    await eventually(() => expect([...reported(f, back).added].sort()).toEqual([...lost].sort()));
  });

  it('without a disk named, fails the first healthy one; with no such disk, reports it not applied', async () => {
    const f = await startChaosFixture({ disks: 2 });
    running.push(f);
    const [first] = await disks(f);
    f.control.want({ experimentId: 'd1', kind: 'disk', durationMs: 60_000 });
    await waitRunning(f.fx, 'd1', true);
    expect((await chaosStatus(f.fx)).active[0]).toMatchObject({ detail: { disk: first!.id } });
    f.control.want({
      experimentId: 'd2',
      kind: 'disk',
      params: { disk: 'no-such-disk' },
      durationMs: 60_000,
    });
    await eventually(async () => {
      const s = await chaosStatus(f.fx);
      expect(s.notApplied).toEqual([{ experimentId: 'd2', kind: 'disk', error: 'no disk no-such-disk' }]);
    });
    expect((await chaosStatus(f.fx)).active.map((a) => a.experimentId)).toEqual(['d1']);
  });
});
