// Steering end to end over real sockets: two appliances (each a real /healthz server on
// loopback) report routes for different prefixes by heartbeat, and clients in either
// network, told apart by X-Forwarded-For from a trusted 127.0.0.1, get their own network's
// appliance first, the other one second, and URLs whose tokens verify with the key. Also:
// content miss, nothing to serve (503), route lookup, site route consistency, and a dead
// appliance leaving steering within 3 s.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@ferry/harness';
import { createKeyRing, generateKey, verifyToken } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlApp } from '../src/server/app.js';
import { ClientAddressResolver } from '../src/server/client-address.js';
import { openStore } from '../src/state/open-store.js';
import type { StateStore } from '../src/state/store.js';
import { TestFleet, writeTestTokens } from './support/fleet-auth.js';
import { serveControl } from './support/test-control.js';
import { heartbeatBody } from './support/test-data.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Body = any;

const keys = createKeyRing([generateKey('k1')]);
let dir = '';
let store: StateStore;
let control: ControlApp;
let base = '';
let fleet: TestFleet;
const healthz: Record<string, { server: Server; url: string }> = {};

async function startHealthz(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function catalogStream(streamId: string, kind: 'video' | 'audio') {
  return {
    streamId,
    kind,
    bitrate: kind === 'video' ? 2_000_000 : 128_000,
    size: 100,
    sha256: 'b'.repeat(64),
    segmentDurationSec: 4,
    segments: [{ index: 0, start: 0, length: 100, durationSec: 4 }],
  };
}

const catalog = {
  version: 1,
  generatedAt: '2026-11-22T00:00:00Z',
  seed: 'steer',
  titles: [
    {
      id: 'both',
      name: 'Held by both',
      durationSec: 4,
      streams: [catalogStream('both-v', 'video'), catalogStream('both-a', 'audio')],
    },
    { id: 'only-b', name: 'Held by b only', durationSec: 4, streams: [catalogStream('only-b-v', 'video')] },
    { id: 'nowhere', name: 'Held by nobody', durationSec: 4, streams: [catalogStream('nowhere-v', 'video')] },
  ],
};

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...fleet.headers('POST', path, text), ...headers },
    body: text,
  });
  return { status: res.status, json: (await res.json()) as Body };
}

async function get(path: string) {
  const res = await fetch(`${base}${path}`, { headers: fleet.headers('GET', path, undefined) });
  return { status: res.status, json: (await res.json()) as Body };
}

function steer(titleId: string, client: string) {
  return post('/v1/steer', { titleId }, { 'x-forwarded-for': client });
}

async function heartbeatFor(id: string, site: string, url: string, prefixes: string[], files: string[]) {
  const r = await post(
    `/v1/appliances/${id}/heartbeat`,
    heartbeatBody({
      url,
      site,
      routes: { kind: 'snapshot', epoch: 'e1', version: 1, routes: prefixes.map((prefix) => ({ prefix })) },
      inventory: { kind: 'full', version: 1, files },
    }),
  );
  expect(r.status).toBe(200);
}

async function waitForHealth(id: string, health: string, limitMs: number): Promise<number> {
  const started = Date.now();
  await eventually(
    () => {
      const rec = control.model.getAppliance(id);
      expect(rec?.health, `${id} not ${health}: ${rec?.healthReason}`).toBe(health);
    },
    { what: `${id} ${health}`, timeoutMs: limitMs, intervalMs: 50 },
  );
  return Date.now() - started;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-service-steer-'));
  store = await openStore({ db: join(dir, 'control.db') });
  const tokens = await writeTestTokens(dir);
  healthz['a'] = await startHealthz();
  healthz['b'] = await startHealthz();
  ({ control, base } = await serveControl(
    store,
    {
      fallbackSites: ['site-b'],
      operatorTokensFile: tokens.file,
      // Heartbeats are posted once; probes alone decide health here.
      staleAfterMs: 600_000,
    },
    { keys },
  ));
  fleet = new TestFleet(() => base, tokens);
  for (const [id, site] of [
    ['a', 'site-a'],
    ['b', 'site-b'],
    ['a2', 'site-a'],
  ] as const) {
    await fleet.enroll(id, site);
  }
  expect((await post('/v1/catalog', catalog)).status).toBe(200);
  const a = healthz['a'].url;
  await heartbeatFor('a', 'site-a', a, ['10.0.0.0/8', '10.20.0.0/16'], ['both-v', 'both-a']);
  await heartbeatFor('b', 'site-b', healthz['b'].url, ['192.168.0.0/16'], ['both-v', 'both-a', 'only-b-v']);
  // a2 shares a's /healthz: a healthy appliance of site-a that holds nothing.
  await heartbeatFor('a2', 'site-a', a, ['10.0.0.0/8'], []);
  await waitForHealth('a', 'healthy', 5000);
  await waitForHealth('b', 'healthy', 5000);
});

afterAll(async () => {
  await control?.close();
  await store?.close();
  for (const h of Object.values(healthz)) if (h.server.listening) await stopServer(h.server);
  await rm(dir, { recursive: true, force: true });
});

describe('steering', () => {
  it("ranks the client network's appliance first and the other second, with verifiable URLs", async () => {
    for (const [client, first, second, prefix] of [
      ['10.20.3.4', 'a', 'b', '10.20.0.0/16'],
      ['192.168.7.7', 'b', undefined, '192.168.0.0/16'],
    ] as const) {
      const r = await steer('both', client);
      expect(r.status, client).toBe(200);
      expect(r.json.clientPrefix).toBe(prefix);
      expect(r.json.streams.map((s: { streamId: string }) => s.streamId)).toEqual(['both-v', 'both-a']);
      for (const s of r.json.streams) {
        expect(s.urls[0]).toMatchObject({ rank: 1, applianceId: first });
        if (second) expect(s.urls[1]).toMatchObject({ rank: 2, applianceId: second, site: 'site-b' });
        for (const u of s.urls) {
          const url = new URL(u.url);
          expect(url.pathname).toBe(`/v1/c/${s.streamId}`);
          const check = verifyToken(url.searchParams.get('t')!, {
            keys,
            fileId: s.streamId,
            clientPrefix: url.searchParams.get('p') ?? '',
            clientAddress: client,
            nowSec: Math.floor(Date.now() / 1000),
          });
          expect(check).toMatchObject({ ok: true, keyId: 'k1', expiresAt: r.json.expiresAt });
        }
      }
    }
  });

  it('ranks the holder elsewhere when the local appliances miss the file', async () => {
    const r = await steer('only-b', '10.20.3.4');
    expect(r.status).toBe(200);
    expect(r.json.streams[0].urls.map((u: { applianceId: string }) => u.applianceId)).toEqual(['b']);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/ferry_control_steering_decisions_total\{decision="content-miss"\} [1-9]/);
    expect(metrics).toMatch(/ferry_control_steering_decisions_total\{decision="local-hit"\} [1-9]/);
  });

  it('answers 503 FERRY_ERR_NO_APPLIANCE with the reason when nobody holds the file', async () => {
    const r = await steer('nowhere', '10.20.3.4');
    expect(r.status).toBe(503);
    expect(r.json.error).toBe('FERRY_ERR_NO_APPLIANCE');
    expect(r.json.message).toContain('nowhere-v');
  });

  it('serves clients outside every prefix from the fallback site with an unbound URL', async () => {
    const r = await steer('both', '172.16.0.1');
    expect(r.status).toBe(200);
    expect(r.json.clientPrefix).toBe('');
    expect(r.json.streams[0].urls[0]).toMatchObject({ applianceId: 'b', site: 'site-b' });
    expect(new URL(r.json.streams[0].urls[0].url).searchParams.get('p')).toBeNull();
  });

  it("names each stream's segment index, served without credentials with an ETag and a 304 on revalidation", async () => {
    const r = await steer('both', '10.20.3.4');
    const s = r.json.streams[0];
    expect(s).not.toHaveProperty('segments');
    expect(s).toMatchObject({ segmentCount: 1, indexUrl: '/v1/titles/both/streams/both-v/segments' });
    const res = await fetch(`${base}${s.indexUrl}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(await res.json()).toEqual({
      titleId: 'both',
      streamId: 'both-v',
      segments: [{ index: 0, start: 0, length: 100, durationSec: 4 }],
    });
    const again = await fetch(`${base}${s.indexUrl}`, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect((await fetch(`${base}/v1/titles/both/streams/nope/segments`)).status).toBe(404);
    expect((await fetch(`${base}/v1/titles/ghost/streams/both-v/segments`)).status).toBe(404);
    expect((await fetch(`${base}/v1/titles/both/streams/..bad/segments`)).status).toBe(400);
  });

  it('answers 404 for an unknown title', async () => {
    expect(await steer('ghost', '10.1.1.1')).toMatchObject({
      status: 404,
      json: { error: 'FERRY_ERR_UNKNOWN_TITLE' },
    });
  });

  it('believes X-Forwarded-For only from trusted proxies', () => {
    const r = new ClientAddressResolver(['127.0.0.1/32']);
    expect(r.resolve('127.0.0.1', '10.1.1.1')).toBe('10.1.1.1');
    expect(r.resolve('::ffff:127.0.0.1', '10.9.9.9, 127.0.0.1')).toBe('10.9.9.9');
    expect(r.resolve('192.0.2.1', '10.1.1.1')).toBe('192.0.2.1');
    expect(r.resolve('127.0.0.1', 'garbage')).toBe('127.0.0.1');
    expect(new ClientAddressResolver([]).resolve('127.0.0.1', '10.1.1.1')).toBe('127.0.0.1');
  });
});

describe('route queries', () => {
  it('looks up the most specific prefix and its appliances', async () => {
    const r = await get('/v1/routes/lookup?ip=10.20.1.1');
    expect(r.json.prefix).toBe('10.20.0.0/16');
    expect(r.json.appliances).toEqual([
      { id: 'a', site: 'site-a', health: 'healthy', url: healthz['a']!.url },
    ]);
    expect(r.json.covering.map((c: { prefix: string }) => c.prefix)).toEqual(['10.20.0.0/16', '10.0.0.0/8']);
    expect((await get('/v1/routes/lookup?ip=172.16.0.1')).json).toMatchObject({
      prefix: null,
      appliances: [],
    });
  });

  it('lists the prefixes some appliances of a site heard and others did not', async () => {
    const r = await get('/v1/sites/site-a/route-consistency');
    expect(r.json).toMatchObject({ site: 'site-a', appliances: ['a', 'a2'], prefixes: 2, consistent: false });
    expect(r.json.differences).toEqual([{ prefix: '10.20.0.0/16', heardBy: ['a'], missingFrom: ['a2'] }]);
    expect((await get('/v1/sites/site-b/route-consistency')).json).toMatchObject({
      consistent: true,
      differences: [],
    });
  });
});

describe('health', () => {
  it('takes a dead appliance out of steering within 3 s and logs the transition', async () => {
    await stopServer(healthz['b']!.server);
    const tookMs = await waitForHealth('b', 'unhealthy', 3000);
    expect(tookMs).toBeLessThan(3000);
    const inA = await steer('both', '10.20.3.4');
    expect(inA.json.streams[0].urls.map((u: { applianceId: string }) => u.applianceId)).toEqual(['a']);
    // b was the only appliance for its network (and the fallback site): nothing is left.
    const inB = await steer('both', '192.168.7.7');
    expect(inB).toMatchObject({ status: 503, json: { error: 'FERRY_ERR_NO_APPLIANCE' } });
    expect(inB.json.message).toContain('health-miss');
    const ev = await get('/v1/events?appliance=b&limit=100');
    expect(ev.json.events).toContainEqual(
      expect.objectContaining({ kind: 'health', from: 'healthy', to: 'unhealthy' }),
    );
  });
});
