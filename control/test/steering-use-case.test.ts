// The steering use case without HTTP: a model with two sites, one catalog entry, and the
// answer steering/steer.ts builds — valid SteerResponse JSON, ranked per stream, naming each
// stream's segment index instead of carrying it; and the last resort for uncovered clients.

import { catalogFixture } from '@ferry/harness';
import { type Catalog, SteerResponse } from '@ferry/protocol';
import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { FerryError } from '../src/errors.js';
import { ControlModel } from '../src/model/model.js';
import type { ApplianceRecord } from '../src/state/store.js';
import { type SteeringOptions, steer } from '../src/steering/steer.js';
import { urlJson } from '../src/steering/stream-json.js';

const catalog: Catalog = catalogFixture({ titleId: 't1', streamId: 't1-v' });

function appliance(id: string, site: string, health: ApplianceRecord['health']): ApplianceRecord {
  return {
    id,
    site,
    url: `http://${id}.test:8080`,
    version: '0',
    reportedState: 'serving',
    health,
    healthReason: '',
    capacityBps: 1e9,
    loadBps: 0,
    connections: 0,
    lastHeartbeatMs: 1,
    registeredMs: 1,
  };
}

async function model(): Promise<ControlModel> {
  const m = new ControlModel();
  m.setCatalog(catalog);
  for (const [rec, prefixes] of [
    [appliance('a', 'east', 'healthy'), ['10.1.0.0/16']],
    [appliance('b', 'west', 'healthy'), []],
    [appliance('c', 'east', 'unhealthy'), ['10.1.0.0/16']],
  ] as const) {
    m.setAppliance(rec);
    await m.setRoutes(rec.id, { epoch: 'e', version: 1, prefixes: [...prefixes] });
    m.setInventory(rec.id, { version: 1, files: ['t1-v'] });
  }
  return m;
}

function options(m: ControlModel, decisions: string[] = []): SteeringOptions {
  return {
    model: m,
    fallbackSites: ['west'],
    urlsPerStream: 3,
    headroom: 0.9,
    tokenTtlSec: 60,
    onDecision: (d) => decisions.push(d),
  };
}

describe('urlJson', () => {
  it('gives what JSON.stringify gives, escapes included', () => {
    for (const [url, id, site] of [
      ['http://a.test:8080/v1/c/f?t=abc_-&p=10.0.0.0%2F8', 'a', 's1'],
      ['http://a.test/"x"\\y\n', 'id\u2028', 'si\u0001te'],
      ['http://b.test/\ud83d\ude00/\ud800', 'b', 's'],
    ] as const) {
      expect(urlJson(2, url, id, site)).toBe(JSON.stringify({ rank: 2, url, applianceId: id, site }));
    }
  });
});

describe('steer', () => {
  it('answers SteerResponse JSON: the covering prefix first, then the fallback site', async () => {
    const decisions: string[] = [];
    const json = steer(options(await model(), decisions), {
      titleId: 't1',
      client: '10.1.2.3',
      nowMs: 1_000_000,
    });
    const answer = JSON.parse(json) as unknown;
    expect(Value.Check(SteerResponse, answer)).toBe(true);
    const a = answer as SteerResponse;
    expect(a).toMatchObject({ titleId: 't1', expiresAt: 1060, clientPrefix: '10.1.0.0/16' });
    // The segments are not in the answer: it names the stream's index, served apart.
    expect(a.streams[0]).not.toHaveProperty('segments');
    expect(a.streams[0]).toMatchObject({
      segmentCount: catalog.titles[0]?.streams[0]?.segments.length,
      indexUrl: '/v1/titles/t1/streams/t1-v/segments',
    });
    // c is unhealthy: one enum from the record to the ranking, no string check in between.
    expect(a.streams[0]?.urls.map((u) => [u.rank, u.applianceId])).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    expect(a.streams[0]?.urls[0]?.url).toBe('http://a.test:8080/v1/c/t1-v');
    expect(decisions).toEqual(['local-hit']);
  });

  it('fails with the catalog and steering error codes', async () => {
    const m = await model();
    expect(() => steer(options(m), { titleId: 'nope', client: '10.1.2.3' })).toThrow(
      expect.objectContaining({ code: 'FERRY_ERR_UNKNOWN_TITLE' }),
    );
    m.setHealth('a', 'unhealthy', 'test');
    m.setHealth('b', 'draining', 'test');
    let err: unknown;
    try {
      steer(options(m), { titleId: 't1', client: '10.1.2.3' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toBe('FERRY_ERR_NO_APPLIANCE');
  });

  it('sends an uncovered client to any serving holder when no fallback site is set (last resort)', async () => {
    const m = await model();
    const decisions: string[] = [];
    const opts = { ...options(m, decisions), fallbackSites: [], lastResort: true };
    const a = JSON.parse(steer(opts, { titleId: 't1', client: '172.16.0.1' })) as SteerResponse;
    expect(a.clientPrefix).toBe('');
    // c is unhealthy; a and b are idle: both, in rendezvous order.
    expect(a.streams[0]?.urls.map((u) => u.applianceId).sort()).toEqual(['a', 'b']);
    expect(decisions).toEqual(['fallback']);
    // Off, the same client finds nowhere to go.
    expect(() => steer({ ...opts, lastResort: false }, { titleId: 't1', client: '172.16.0.1' })).toThrow(
      expect.objectContaining({ code: 'FERRY_ERR_NO_APPLIANCE' }),
    );
  });
});
