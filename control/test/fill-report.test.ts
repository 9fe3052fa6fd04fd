// What appliances report about their fill, against a real control (docs/fill.md): the
// operator's fill view and metrics, corrupt sources (an event, and out of that file's
// sources), the fill-done event, bytes served and steering's content misses raising
// popularity, and steering sending viewers only where the file is held.
import { eventually } from '@ferry/harness';
import { ControlClient } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FillAppliance, type FillControl, fillCatalog, startFillControl } from './support/fill-fleet.js';
import { rawCall } from './support/test-control.js';

let f: FillControl;

beforeAll(async () => {
  // No initial popularity: what the appliances report is all there is. Replanned often.
  f = await startFillControl({ replanMs: 100 });
  await f.postCatalog(fillCatalog(4, () => undefined));
});

afterAll(async () => {
  await f?.close();
});

async function events(kind: string, appliance: string) {
  const r = await f.viewer('GET', `/v1/events?appliance=${appliance}&limit=1000`);
  return r.json.events.filter((e: { kind: string }) => e.kind === kind);
}

describe('the fill view', () => {
  let a: FillAppliance;

  beforeAll(async () => {
    a = await f.appliance('v1', 'view', '127.0.0.41');
  });

  it("before any report: control's side, what placement gives it and what it already holds", async () => {
    await a.beat({ fill: null, files: ['f0'] });
    await a.wanted();
    const r = await f.viewer('GET', '/v1/appliances/v1/fill');
    expect(r.json).toMatchObject({
      applianceId: 'v1',
      manifestVersion: null,
      wanted: 4,
      held: 1,
      bytesToGo: 3000,
      etaSec: null,
      window: 'unknown',
    });
  });

  it('from its report: counts, rate, ETA = bytes to go / bytes per second, errors; and metrics', async () => {
    const errors = [{ fileId: 'f2', source: 'origin', error: 'timeout after 30 s' }];
    await a.beat({
      files: ['f0'],
      fill: {
        manifestVersion: 77,
        wanted: 4,
        held: 1,
        filling: 2,
        failed: 1,
        bytesToGo: 3000,
        bytesPerSec: 1000,
        errors,
      },
    });
    const r = await f.viewer('GET', '/v1/appliances/v1/fill');
    expect(r.json).toEqual({
      applianceId: 'v1',
      manifestVersion: 77,
      wanted: 4,
      held: 1,
      filling: 2,
      failed: 1,
      bytesToGo: 3000,
      bytesPerSec: 1000,
      etaSec: 3,
      window: 'open',
      errors,
    });
    // the operators' client checks the answer against FillView
    const client = new ControlClient({ baseUrl: f.t.base, token: f.t.tokens.viewer });
    expect(await client.getFill('v1')).toEqual(r.json);
    const metrics = await f.t.control.metrics.registry.metrics();
    expect(metrics).toContain('ferry_control_fill_bytes_to_go{appliance="v1"} 3000');
    expect(metrics).toContain('ferry_control_fill_wanted_files{appliance="v1"} 4');
  });

  it('records fill-done once, when the last wanted file is held', async () => {
    await a.beat({ files: ['f0', 'f1', 'f2', 'f3'], fill: { manifestVersion: 77, wanted: 4, held: 4 } });
    await a.beat({ files: ['f0', 'f1', 'f2', 'f3'], fill: { manifestVersion: 77, wanted: 4, held: 4 } });
    const done = await events('fill-done', 'v1');
    expect(done).toHaveLength(1);
    expect(done[0].detail).toEqual({ manifestVersion: 77, files: 4 });
    expect((await f.viewer('GET', '/v1/appliances/v1/fill')).json.etaSec).toBe(0);
  });

  it('answers 404 for an appliance never heard from', async () => {
    const r = await f.viewer('GET', '/v1/appliances/ghost/fill');
    expect(r.status).toBe(404);
  });
});

describe('corrupt sources', () => {
  it('are recorded as events and left out of that file’s sources, not of the others', async () => {
    const bad = await f.appliance('bad', 'cor', '127.0.0.42');
    const filler = await f.appliance('filler', 'cor', '127.0.0.43');
    // `bad` does not fill: the filler is given every file, and `bad` holds them all
    await bad.beat({ fill: null, files: ['f0', 'f1', 'f2', 'f3'] });
    await filler.beat();
    await bad.waitHealthy();
    f.t.control.fill.refresh();
    const sourcesOf = async (fileId: string) => {
      const r = await filler.manifest();
      return r.json.files
        .find((x: { fileId: string }) => x.fileId === fileId)
        ?.sources.map((s: { kind: string; applianceId?: string }) => s.applianceId ?? s.kind);
    };
    const given = f.t.control.fill.placement.wantedOf('filler');
    expect(given.length).toBeGreaterThan(1);
    const [first, second] = given as [string, string];
    expect(await sourcesOf(first)).toEqual(['bad', 'origin']);

    await filler.beat({ fill: { corrupt: [{ fileId: first, source: 'bad' }] } });
    expect(await sourcesOf(first)).toEqual(['origin']);
    expect(await sourcesOf(second)).toEqual(['bad', 'origin']);
    const ev = await events('fill-corrupt', 'filler');
    expect(ev).toHaveLength(1);
    expect(ev[0].detail).toEqual({ fileId: first, source: 'bad', sourceAppliance: 'bad' });
    expect(
      await f.t.control.metrics.registry.getSingleMetricAsString('ferry_control_fill_corrupt_total'),
    ).toContain('ferry_control_fill_corrupt_total{source_kind="appliance"} 1');
  });
});

describe('popularity', () => {
  it('bytes served make a file more popular: it gets more copies in that site', async () => {
    const p1 = await f.appliance('p1', 'pop', '127.0.0.44');
    const p2 = await f.appliance('p2', 'pop', '127.0.0.45');
    await p1.beat();
    await p2.beat();
    f.t.control.fill.refresh();
    const copies = () => f.t.control.fill.placement.wantersOf('pop', 'f3').length;
    expect(copies()).toBe(1);
    await p1.beat({
      served: [
        { fileId: 'f3', bytes: 5e6 },
        { fileId: 'nope', bytes: 1e9 },
      ],
    });
    await eventually(
      () => {
        f.t.control.fill.refresh();
        return copies() === 2;
      },
      { what: 'f3 on both appliances', timeoutMs: 5000, intervalMs: 50 },
    );
    expect(f.t.control.fill.popularity.value('pop', 'nope', Date.now())).toBe(0);
    expect(f.t.control.fill.placement.wantedOf('p2')[0]).toBe('f3');
  });

  it("a content miss raises the file's popularity in the site that missed it", async () => {
    const w = await f.appliance('w1', 'west', '127.0.0.46');
    await w.beat({ prefixes: ['10.9.0.0/16'] });
    await w.waitHealthy();
    const steer = () =>
      rawCall(f.t.base, 'POST', '/v1/steer', {
        body: JSON.stringify({ titleId: 't2' }),
        headers: { 'x-forwarded-for': '10.9.1.1' },
      });
    const now = () => f.t.control.fill.popularity.value('west', 'f2', Date.now());
    expect(now()).toBe(0);
    f.t.control.fill.refresh();
    // it wants f2 but does not hold it yet: steering does not send viewers there
    expect(f.t.control.fill.placement.wantedOf('w1')).toContain('f2');
    // Served by a holder elsewhere (the last resort: no fallback site is set), and still a
    // content miss of the client's own network.
    const missed = await steer();
    expect(missed.status).toBe(200);
    expect(missed.json.streams[0].urls.map((u: { applianceId: string }) => u.applianceId)).not.toContain(
      'w1',
    );
    expect(await (await fetch(`${f.t.base}/metrics`)).text()).toMatch(
      /ferry_control_steering_decisions_total\{decision="content-miss"\} [1-9]/,
    );
    expect(now()).toBeGreaterThan(900);
    expect(f.t.control.fill.popularity.value('pop', 'f2', Date.now())).toBe(0);
    await w.beat({ prefixes: ['10.9.0.0/16'], files: ['f2'] });
    const served = await steer();
    expect(served.status).toBe(200);
    expect(served.json.streams[0].urls[0]).toMatchObject({ applianceId: 'w1', rank: 1 });
  });
});
