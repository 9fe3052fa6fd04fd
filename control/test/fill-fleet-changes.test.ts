// The fleet changing under a real control: an appliance that joins takes its share of the
// files, one that falls silent (or is removed) hands its files to the others, and the others
// keep nearly everything they had (rendezvous placement, docs/fill.md).
import { eventually } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FillAppliance, type FillControl, fillCatalog, startFillControl } from './support/fill-fleet.js';
import { movedShare } from './support/placement-tables.js';
import { rawCall } from './support/test-control.js';

let f: FillControl;
const LOST_AFTER_MS = 1500;
const SITE = 'metro';

beforeAll(async () => {
  f = await startFillControl({ lostAfterMs: LOST_AFTER_MS });
  await f.postCatalog(fillCatalog(60));
});

afterAll(async () => {
  await f?.close();
});

function wantedSets(ids: readonly string[]): Map<string, Set<string>> {
  f.t.control.fill.refresh();
  return new Map(ids.map((id) => [id, new Set(f.t.control.fill.placement.wantedOf(id))]));
}

async function placementEvents(id: string) {
  const r = await f.viewer('GET', `/v1/events?appliance=${id}&limit=1000`);
  return r.json.events.filter((e: { kind: string }) => e.kind === 'placement');
}

describe('a site of appliances changing', () => {
  const fleet: FillAppliance[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 4; i++) fleet.push(await f.appliance(`m${i}`, SITE, `127.0.0.${51 + i}`));
    for (const a of fleet) await a.beat();
  });

  it('an appliance joining takes its share and moves few of the others’ files', async () => {
    const ids = fleet.map((a) => a.id);
    const before = wantedSets(ids);
    const joined = await f.appliance('m4', SITE, '127.0.0.55');
    await joined.beat();
    const after = wantedSets([...ids, 'm4']);
    expect(after.get('m4')!.size).toBeGreaterThan(0);
    expect(movedShare(before, after)).toBeLessThanOrEqual(1 / 5 + 0.1);
    fleet.push(joined);
    expect((await placementEvents('m4'))[0].detail).toMatchObject({
      site: SITE,
      added: after.get('m4')!.size,
    });
  });

  it('an appliance silent for longer than lostAfterMs hands its files to the others', async () => {
    const ids = fleet.map((a) => a.id);
    const before = wantedSets(ids);
    const [silent, ...rest] = fleet as [FillAppliance, ...FillAppliance[]];
    const keep = setInterval(() => {
      for (const a of rest) void a.beat().catch(() => undefined);
    }, 200);
    try {
      await eventually(
        () => {
          f.t.control.fill.refresh();
          return !f.t.control.fill.placement.places(silent.id);
        },
        { what: `${silent.id} out of placement`, timeoutMs: LOST_AFTER_MS + 5000, intervalMs: 100 },
      );
    } finally {
      clearInterval(keep);
    }
    const after = wantedSets(rest.map((a) => a.id));
    // every file it held is somewhere else now
    const placed = new Set([...after.values()].flatMap((s) => [...s]));
    for (const file of before.get(silent.id)!) expect(placed.has(file), file).toBe(true);
    expect(movedShare(before, after)).toBeLessThanOrEqual(1 / 5 + 0.1);
    const gone = (await placementEvents(silent.id)).find(
      (e: { detail: { wanted: number } }) => e.detail.wanted === 0,
    );
    expect(gone.detail.removed).toBe(before.get(silent.id)!.size);
  });

  it('an appliance removed by an operator leaves placement at once', async () => {
    const target = fleet[1]!;
    for (const a of fleet.slice(1)) await a.beat();
    f.t.control.fill.refresh();
    expect(f.t.control.fill.placement.places(target.id)).toBe(true);
    const r = await rawCall(f.t.base, 'DELETE', `/v1/appliances/${target.id}`, {
      headers: { authorization: `Bearer ${f.t.tokens.operator}` },
    });
    expect(r.status).toBe(204);
    f.t.control.fill.refresh();
    expect(f.t.control.fill.placement.places(target.id)).toBe(false);
  });
});
