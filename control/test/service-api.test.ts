// The control API as a client sees it, over a real socket with a SQLite store in a temp
// dir: validation errors carry FERRY_ERR_ codes, heartbeats register and update appliances
// and apply routes and inventory (a delta that does not line up asks for a resync), the
// catalog round-trips, and /docs/json, /healthz and /metrics are served.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ControlApp } from '../src/server/app.js';
import { openStore } from '../src/state/open-store.js';
import type { StateStore } from '../src/state/store.js';
import { TestFleet, writeTestTokens } from './support/fleet-auth.js';
import { serveControl } from './support/test-control.js';
import { heartbeatBody } from './support/test-data.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Body = any;

let dir = '';
let store: StateStore;
let control: ControlApp;
let base = '';
let fleet: TestFleet;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-service-api-'));
  store = await openStore({ db: join(dir, 'control.db') });
  const tokens = await writeTestTokens(dir);
  ({ control, base } = await serveControl(store, {
    trustedProxies: [],
    operatorTokensFile: tokens.file,
    // Heartbeats here are posted by hand, once; staleness is not what this file tests.
    staleAfterMs: 600_000,
  }));
  fleet = new TestFleet(() => base, tokens);
  await fleet.enroll('a1', 'site-a');
});

afterAll(async () => {
  await control?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown, raw?: string) {
  const text0 = raw ?? (body === undefined ? undefined : JSON.stringify(body));
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(text0 !== undefined ? { 'content-type': 'application/json' } : {}),
      ...fleet.headers(method, path, text0),
    },
    body: text0,
  });
  const text = await res.text();
  let json: Body;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

function heartbeat(over: Record<string, unknown> = {}) {
  return heartbeatBody({
    load: { bitsPerSecond: 1000, connections: 2 },
    disks: [{ id: 'd0', state: 'ok', bytes: 1e9 }],
    ...over,
  });
}

const sha = 'a'.repeat(64);
const catalog = {
  version: 1,
  generatedAt: '2026-11-22T00:00:00Z',
  seed: 'test',
  titles: [
    {
      id: 't1',
      name: 'Title one',
      durationSec: 8,
      streams: [
        {
          streamId: 't1-v1',
          kind: 'video',
          bitrate: 1_000_000,
          size: 300,
          sha256: sha,
          segmentDurationSec: 4,
          segments: [
            { index: 0, start: 0, length: 200, durationSec: 4 },
            { index: 1, start: 200, length: 100, durationSec: 4 },
          ],
        },
      ],
    },
  ],
};

describe('request validation', () => {
  it('answers unparsable JSON with FERRY_ERR_BAD_JSON', async () => {
    const r = await call('POST', '/v1/steer', undefined, '{"titleId":');
    expect(r.status).toBe(400);
    expect(r.json.error).toBe('FERRY_ERR_BAD_JSON');
  });

  it('names the missing field with FERRY_ERR_VALIDATION', async () => {
    const r = await call('POST', '/v1/steer', {});
    expect(r).toMatchObject({ status: 400, json: { error: 'FERRY_ERR_VALIDATION' } });
    expect(r.json.message).toContain('titleId');
    const hb = await call('POST', '/v1/appliances/a1/heartbeat', { ...heartbeat(), seq: undefined });
    expect(hb.status).toBe(400);
    expect(hb.json.error).toBe('FERRY_ERR_VALIDATION');
    expect(hb.json.message).toContain('seq');
  });

  it('refuses a wrong type, a bad state and a bad appliance id', async () => {
    expect((await call('POST', '/v1/appliances/a1/heartbeat', heartbeat({ seq: 'x' }))).json.error).toBe(
      'FERRY_ERR_VALIDATION',
    );
    expect((await call('POST', '/v1/appliances/a1/heartbeat', heartbeat({ state: 'dancing' }))).status).toBe(
      400,
    );
    // Nothing of an unsigned request is looked at: no signature is the first answer.
    const badId = await call('POST', '/v1/appliances/..%2Fx/heartbeat', heartbeat());
    expect(badId).toMatchObject({ status: 401, json: { error: 'FERRY_ERR_AUTH_SIGNATURE_MISSING' } });
  });

  it('answers a bad address with FERRY_ERR_BAD_IP and a missing one with FERRY_ERR_VALIDATION', async () => {
    for (const ip of ['10.0.0', '300.1.1.1', 'example.com', '010.1.1.1']) {
      const r = await call('GET', `/v1/routes/lookup?ip=${encodeURIComponent(ip)}`);
      expect(r, ip).toMatchObject({ status: 400, json: { error: 'FERRY_ERR_BAD_IP' } });
    }
    expect((await call('GET', '/v1/routes/lookup')).json.error).toBe('FERRY_ERR_VALIDATION');
  });

  it('answers unknown routes, appliances and titles with their own 404 codes', async () => {
    expect(await call('GET', '/v1/nothing')).toMatchObject({
      status: 404,
      json: { error: 'FERRY_ERR_NOT_FOUND' },
    });
    expect(await call('GET', '/v1/appliances/ghost')).toMatchObject({
      status: 404,
      json: { error: 'FERRY_ERR_UNKNOWN_APPLIANCE' },
    });
    expect(await call('GET', '/v1/titles/ghost')).toMatchObject({
      status: 404,
      json: { error: 'FERRY_ERR_UNKNOWN_TITLE' },
    });
    expect(await call('GET', '/v1/sites/ghost/route-consistency')).toMatchObject({
      status: 404,
      json: { error: 'FERRY_ERR_UNKNOWN_SITE' },
    });
  });

  it('checks event query parameters', async () => {
    expect((await call('GET', '/v1/events?limit=0')).json.error).toBe('FERRY_ERR_VALIDATION');
    expect((await call('GET', '/v1/events?since=yesterday')).json.error).toBe('FERRY_ERR_VALIDATION');
  });
});

describe('heartbeats', () => {
  it('registers an unknown appliance with its routes and inventory', async () => {
    const r = await call(
      'POST',
      '/v1/appliances/a1/heartbeat',
      heartbeat({
        routes: {
          kind: 'snapshot',
          epoch: 'e1',
          version: 3,
          routes: [{ prefix: '10.0.0.0/8' }, { prefix: '10.1.0.0/16' }],
        },
        inventory: { kind: 'full', version: 1, files: ['t1-v1', 'x'] },
      }),
    );
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      routesResync: false,
      inventoryResync: false,
      health: 'unknown',
      intervalMs: 1000,
    });
    const a = await call('GET', '/v1/appliances/a1');
    expect(a.json).toMatchObject({
      id: 'a1',
      site: 'site-a',
      reportedState: 'serving',
      routes: 2,
      routesEpoch: 'e1',
      routesVersion: 3,
      files: 2,
      inventoryVersion: 1,
      loadBps: 1000,
      connections: 2,
    });
    const list = await call('GET', '/v1/appliances');
    expect(list.json.appliances.map((x: { id: string }) => x.id)).toContain('a1');
    const ev = await call('GET', '/v1/events?appliance=a1');
    expect(ev.json.events.map((e: { kind: string }) => e.kind)).toContain('registered');
    expect((await store.getRoutes('a1'))?.prefixes.sort()).toEqual(['10.0.0.0/8', '10.1.0.0/16']);
  });

  it('applies deltas that follow the held version and asks for a resync otherwise', async () => {
    const ok = await call(
      'POST',
      '/v1/appliances/a1/heartbeat',
      heartbeat({
        seq: 2,
        load: { bitsPerSecond: 5000, connections: 7 },
        routes: {
          kind: 'delta',
          epoch: 'e1',
          since: 3,
          version: 4,
          announced: [{ prefix: '192.0.2.0/24' }],
          withdrawn: ['10.1.0.0/16'],
        },
        inventory: { kind: 'delta', since: 1, version: 2, added: ['y'], removed: ['x'] },
      }),
    );
    expect(ok.json).toMatchObject({ routesResync: false, inventoryResync: false });
    const a = await call('GET', '/v1/appliances/a1');
    expect(a.json).toMatchObject({
      routes: 2,
      routesVersion: 4,
      files: 2,
      inventoryVersion: 2,
      loadBps: 5000,
    });
    expect((await call('GET', '/v1/routes/lookup?ip=10.1.2.3')).json.prefix).toBe('10.0.0.0/8');

    const gap = await call(
      'POST',
      '/v1/appliances/a1/heartbeat',
      heartbeat({
        seq: 3,
        routes: {
          kind: 'delta',
          epoch: 'e1',
          since: 7,
          version: 8,
          announced: [],
          withdrawn: ['10.0.0.0/8'],
        },
        inventory: { kind: 'delta', since: 1, version: 3, added: [], removed: ['y'] },
      }),
    );
    expect(gap.json).toMatchObject({ routesResync: true, inventoryResync: true });
    const otherEpoch = await call(
      'POST',
      '/v1/appliances/a1/heartbeat',
      heartbeat({
        seq: 4,
        routes: { kind: 'delta', epoch: 'e2', since: 4, version: 5, announced: [], withdrawn: [] },
      }),
    );
    expect(otherEpoch.json.routesResync).toBe(true);
    // Nothing of the refused deltas was applied.
    expect((await call('GET', '/v1/appliances/a1')).json).toMatchObject({
      routes: 2,
      routesVersion: 4,
      files: 2,
    });
    const ev = await call('GET', '/v1/events?appliance=a1&limit=50');
    expect(ev.json.events.map((e: { kind: string }) => e.kind)).toContain('routes-resync');
  });

  it("does not re-read its own writes from the store's change feed", async () => {
    const routes = vi.spyOn(store, 'getRoutes');
    const inventory = vi.spyOn(store, 'getInventory');
    try {
      const r = await call(
        'POST',
        '/v1/appliances/a1/heartbeat',
        heartbeat({
          seq: 5,
          routes: {
            kind: 'delta',
            epoch: 'e1',
            since: 4,
            version: 5,
            announced: [{ prefix: '198.51.100.0/24' }],
            withdrawn: [],
          },
          inventory: { kind: 'delta', since: 2, version: 3, added: ['z'], removed: [] },
        }),
      );
      expect(r.json).toMatchObject({ routesResync: false, inventoryResync: false });
      await new Promise((done) => setTimeout(done, 50));
      expect(routes).not.toHaveBeenCalled();
      expect(inventory).not.toHaveBeenCalled();
      expect((await call('GET', '/v1/appliances/a1')).json).toMatchObject({
        routes: 3,
        routesVersion: 5,
        files: 3,
      });
    } finally {
      routes.mockRestore();
      inventory.mockRestore();
    }
  });

  it('ignores a heartbeat older than the last one', async () => {
    await call(
      'POST',
      '/v1/appliances/a1/heartbeat',
      heartbeat({ seq: 10, load: { bitsPerSecond: 10, connections: 1 } }),
    );
    await call(
      'POST',
      '/v1/appliances/a1/heartbeat',
      heartbeat({ seq: 9, load: { bitsPerSecond: 99, connections: 9 } }),
    );
    expect((await call('GET', '/v1/appliances/a1')).json.loadBps).toBe(10);
  });
});

describe('catalog', () => {
  it('stores a catalog and serves its titles', async () => {
    const r = await call('POST', '/v1/catalog', catalog);
    expect(r).toEqual({ status: 200, json: { titles: 1, streams: 1 } });
    const t = await call('GET', '/v1/titles/t1');
    expect(t.status).toBe(200);
    expect(t.json).toEqual(catalog.titles[0]);
    expect((await store.getCatalog())?.titles[0]?.id).toBe('t1');
  });

  it('refuses an invalid catalog naming the field', async () => {
    const bad = structuredClone(catalog);
    bad.titles[0]!.streams[0]!.size = 301;
    const r = await call('POST', '/v1/catalog', bad);
    expect(r).toMatchObject({ status: 400, json: { error: 'FERRY_ERR_CATALOG_INVALID' } });
    expect(r.json.message).toContain('titles[0].streams[0].segments');
    expect((await call('POST', '/v1/catalog', [1, 2])).status).toBe(400);
  });
});

describe('service endpoints', () => {
  it('serves the OpenAPI document at /docs/json', async () => {
    const r = await call('GET', '/docs/json');
    expect(r.status).toBe(200);
    expect(r.json.openapi).toMatch(/^3\./);
    for (const path of ['/v1/appliances/{id}/heartbeat', '/v1/steer', '/v1/routes/lookup', '/v1/catalog']) {
      expect(Object.keys(r.json.paths)).toContain(path);
    }
  });

  it('serves /healthz and Prometheus metrics', async () => {
    expect((await call('GET', '/healthz')).json).toMatchObject({ ok: true, backend: 'sqlite' });
    const m = await fetch(`${base}/metrics`);
    const text = await m.text();
    expect(m.headers.get('content-type')).toContain('text/plain');
    expect(text).toMatch(/ferry_control_heartbeats_total\{result="accepted"\} \d+/);
    expect(text).toContain('ferry_control_appliances{health=');
  });
});
