// Control's players' endpoints with real processes: `ferry control` (--player-steering-ttl 1)
// and two `ferry appliance` processes in a fallback site, holding a title whose video
// streams carry codecs and initLength. The HLS playlists and the DASH MPD answer with their
// content types, no-store and CORS; their byte ranges fetch the catalog's bytes from the
// appliances; the steering manifests follow control's ranking, so an appliance that is
// drained, or killed and marked unhealthy, leaves them; errors carry named codes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContentStore, generateContent } from '@ferry/appliance';
import { waitUntil } from '@ferry/harness';
import { type ApplianceList, type Catalog, formatKeyFile, generateKey } from '@ferry/protocol';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  enrollAppliance,
  type FerryProc,
  ferry,
  ferryControl,
  killAll,
  SERVING,
} from './support/ferry-cli.js';
import { type TestTokens, writeTestTokens } from './support/fleet-auth.js';

const started: FerryProc[] = [];
const READY = /admin on (http:\/\/\S+)/;
const INIT = 100;

let dir = '';
let tokens: TestTokens;
let control: FerryProc;
let catalog: Catalog;
let media = '';
let plain = '';
const appliances = new Map<string, FerryProc>();
const admin = new Map<string, string>();
const bearer = () => ({ authorization: `Bearer ${tokens.admin}` });

interface Got {
  status: number;
  headers: Headers;
  text: string;
}

async function get(path: string, headers: Record<string, string> = {}): Promise<Got> {
  const res = await fetch(path.startsWith('http') ? path : `${control.url}${path}`, {
    headers,
    signal: AbortSignal.timeout(5000),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function bytes(
  url: string,
  range: string,
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(url, { headers: { range }, signal: AbortSignal.timeout(5000) });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

function fileBytes(streamId: string): Buffer {
  return readFileSync(join(dir, 'content', streamId));
}

const videoOf = (titleId: string) =>
  catalog.titles.find((t) => t.id === titleId)!.streams.filter((s) => s.kind === 'video');

async function steering(protocol: 'hls' | 'dash'): Promise<string[]> {
  const r = await get(`/v1/titles/${media}/steering/${protocol}`);
  if (r.status !== 200) return [];
  const body = JSON.parse(r.text);
  return body[protocol === 'hls' ? 'PATHWAY-PRIORITY' : 'SERVICE-LOCATION-PRIORITY'];
}

async function view() {
  return ((await call(`${control.url}/v1/appliances`, { headers: bearer() })).body as ApplianceList)
    .appliances;
}

async function startAppliance(id: string, keyFile: string): Promise<void> {
  const identity = await enrollAppliance(control.url!, bearer(), dir, id);
  const store = join(dir, `store-${id}`);
  const s = ContentStore.open([store]);
  for (const stream of catalog.titles.find((t) => t.id === media)!.streams)
    await s.add(join(dir, 'content', stream.streamId), stream.streamId);
  s.close();
  const p = await ferry(
    [
      'appliance',
      ...['--id', id, '--site', 'site-a', '--listen', '127.0.0.1:0', '--store', store],
      ...['--control', control.url!, '--token-key-file', keyFile, '--identity-key', identity],
      ...['--access-log', 'off', '--log-level', 'info'],
    ],
    SERVING,
    started,
  );
  admin.set(id, READY.exec(p.stderr())![1]!);
  appliances.set(id, p);
}

async function adminPost(id: string, path: string): Promise<number> {
  const res = await fetch(`${admin.get(id)}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
    signal: AbortSignal.timeout(5000),
  });
  await res.arrayBuffer();
  return res.status;
}

function expectPlayerHeaders(r: Got, type: string): void {
  expect(r.headers.get('content-type')).toContain(type);
  expect(r.headers.get('cache-control')).toBe('no-store');
  expect(r.headers.get('access-control-allow-origin')).toBe('*');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-players-'));
  const keyFile = join(dir, 'keys');
  tokens = await writeTestTokens(dir);
  writeFileSync(keyFile, formatKeyFile([generateKey('k1')]), { mode: 0o600 });
  const generated = generateContent({ out: join(dir, 'content'), titles: 2, minutes: 0.2, seed: 'players' });
  catalog = generated.catalog;
  media = catalog.titles[0]!.id;
  plain = catalog.titles[1]!.id;
  // Title 0 becomes "real media" for control: its video streams name codecs and an init
  // segment (the bytes are synthetic; control only serves their byte ranges).
  for (const s of catalog.titles[0]!.streams) {
    if (s.kind === 'video') Object.assign(s, { codecs: 'avc1.64001f', initLength: INIT });
  }
  control = await ferryControl(
    [
      ...['--db', join(dir, 'control.db'), '--token-key-file', keyFile],
      ...['--fallback-site', 'site-a', '--operator-tokens', tokens.file],
      ...['--player-steering-ttl', '1', '--trusted-proxy', '127.0.0.1', '--log-level', 'info'],
    ],
    started,
  );
  const posted = await call(`${control.url}/v1/catalog`, {
    method: 'POST',
    headers: bearer(),
    body: catalog,
  });
  expect(posted.status).toBe(200);
  await Promise.all([startAppliance('a1', keyFile), startAppliance('a2', keyFile)]);
  await waitUntil(
    async () => {
      const v = await view();
      return v.length === 2 && v.every((a) => a.health === 'healthy');
    },
    { what: 'both appliances healthy', timeoutMs: 30_000, intervalMs: 100 },
  );
  // Inventory arrives with the heartbeats: both hold every rung once steering says so.
  await waitUntil(async () => (await steering('hls')).length === 2, {
    what: 'both appliances steerable',
    timeoutMs: 30_000,
    intervalMs: 100,
  });
}, 120_000);

afterAll(async () => {
  await killAll(started);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('HLS', () => {
  it('serves a multivariant playlist: one variant per rung per appliance, steering to control', async () => {
    const r = await get(`/v1/titles/${media}/main.m3u8`);
    expect(r.status).toBe(200);
    expectPlayerHeaders(r, 'application/vnd.apple.mpegurl');
    const lines = r.text.split('\n');
    expect(lines[0]).toBe('#EXTM3U');
    const steer = lines.find((l) => l.startsWith('#EXT-X-CONTENT-STEERING:'))!;
    expect(steer).toContain(`SERVER-URI="${control.url}/v1/titles/${media}/steering/hls"`);
    expect(steer).toMatch(/PATHWAY-ID="a[12]"/);
    const variants = lines.filter((l) => l.startsWith('#EXT-X-STREAM-INF:'));
    expect(variants).toHaveLength(2 * videoOf(media).length);
    const pathways = new Set(variants.map((v) => /PATHWAY-ID="([^"]+)"/.exec(v)![1]));
    expect([...pathways].sort()).toEqual(['a1', 'a2']);
    for (const v of variants) expect(v).toContain('CODECS="avc1.64001f"');
  });

  it('serves media playlists whose init and segment byte ranges are the catalog bytes on the appliance', async () => {
    const main = await get(`/v1/titles/${media}/main.m3u8`);
    const uris = main.text.split('\n').filter((l) => l.startsWith('http'));
    const uri = uris.find((u) => u.includes('/hls/a2/'))!;
    const r = await get(uri);
    expect(r.status).toBe(200);
    expectPlayerHeaders(r, 'application/vnd.apple.mpegurl');
    const streamId = /\/([^/]+)\.m3u8$/.exec(uri)![1]!;
    const stream = videoOf(media).find((s) => s.streamId === streamId)!;
    const file = fileBytes(streamId);
    const map = /^#EXT-X-MAP:URI="([^"]+)",BYTERANGE="(\d+)@0"$/m.exec(r.text)!;
    expect(Number(map[2])).toBe(INIT);
    const url = map[1]!;
    expect(new URL(url).pathname).toBe(`/v1/c/${streamId}`);
    expect(new URL(url).searchParams.get('t')).toBeTruthy();
    const init = await bytes(url, `bytes=0-${INIT - 1}`);
    expect(init.status).toBe(206);
    expect(init.headers.get('access-control-allow-origin')).toBe('*');
    expect(init.body.equals(file.subarray(0, INIT))).toBe(true);
    const ranges = [...r.text.matchAll(/^#EXT-X-BYTERANGE:(\d+)@(\d+)\n(\S+)$/gm)];
    expect(ranges).toHaveLength(stream.segments.length);
    expect(Number(ranges[0]![2])).toBe(INIT);
    const [, len, off, segUrl] = ranges[1]!;
    const seg = await bytes(segUrl!, `bytes=${off}-${Number(off) + Number(len) - 1}`);
    expect(seg.status).toBe(206);
    expect(seg.body.equals(file.subarray(Number(off), Number(off) + Number(len)))).toBe(true);
  });

  it('answers named 404s for an unknown title, stream or appliance, and 409 for a title that is not media', async () => {
    const rung = videoOf(media)[0]!.streamId;
    const cases: [string, number, string][] = [
      [`/v1/titles/ghost/main.m3u8`, 404, 'FERRY_ERR_UNKNOWN_TITLE'],
      [`/v1/titles/${media}/hls/a1/ghost-v.m3u8`, 404, 'FERRY_ERR_UNKNOWN_STREAM'],
      [`/v1/titles/${media}/hls/zz9/${rung}.m3u8`, 404, 'FERRY_ERR_UNKNOWN_APPLIANCE'],
      [`/v1/titles/${plain}/main.m3u8`, 409, 'FERRY_ERR_NOT_MEDIA'],
      [`/v1/titles/${plain}/manifest.mpd`, 409, 'FERRY_ERR_NOT_MEDIA'],
      [`/v1/titles/${media}/steering/hls?_HLS_pathway=no%20spaces`, 400, 'FERRY_ERR_VALIDATION'],
      [`/v1/titles/${media}/steering/dash?_DASH_throughput=fast`, 400, 'FERRY_ERR_VALIDATION'],
      [`/v1/titles/${media}/steering/dash?_DASH_pathway=%22a1;drop%22`, 400, 'FERRY_ERR_VALIDATION'],
      [`/v1/titles/${media}/steering/hls?_HLS_throughput=-5`, 400, 'FERRY_ERR_VALIDATION'],
    ];
    for (const [path, status, code] of cases) {
      const r = await get(path);
      expect(r.status, path).toBe(status);
      expect(JSON.parse(r.text).error, path).toBe(code);
      expect(r.headers.get('access-control-allow-origin'), path).toBe('*');
    }
  });

  it('builds absolute URLs on what a trusted proxy says the player saw', async () => {
    const r = await get(`/v1/titles/${media}/main.m3u8`, {
      'x-forwarded-host': 'ferry.example:8443',
      'x-forwarded-proto': 'https',
    });
    expect(r.text).toContain(`SERVER-URI="https://ferry.example:8443/v1/titles/${media}/steering/hls"`);
  });
});

describe('DASH', () => {
  it('serves an MPD that parses, with a service location per appliance and byte ranges that fetch the catalog bytes', async () => {
    const r = await get(`/v1/titles/${media}/manifest.mpd`);
    expect(r.status).toBe(200);
    expectPlayerHeaders(r, 'application/dash+xml');
    expect(XMLValidator.validate(r.text)).toBe(true);
    const doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@',
      isArray: (n) => ['BaseURL', 'Representation', 'SegmentURL'].includes(n),
    }).parse(r.text);
    const root = doc.MPD;
    expect(root['@type']).toBe('static');
    const locations = root.BaseURL.map((b: { '@serviceLocation': string }) => b['@serviceLocation']);
    expect([...locations].sort()).toEqual(['a1', 'a2']);
    expect(root.ContentSteering['#text']).toBe(`${control.url}/v1/titles/${media}/steering/dash`);
    expect(root.ContentSteering['@defaultServiceLocation']).toBe(locations[0]);
    const reps = root.Period.AdaptationSet.Representation;
    expect(reps).toHaveLength(videoOf(media).length);
    const rep = reps[0];
    const file = fileBytes(rep['@id']);
    for (const base of root.BaseURL) {
      // dash.js appends a relative BaseURL to the chosen service location's.
      const url = `${base['#text']}${rep.BaseURL[0]}`;
      const init = await bytes(url, `bytes=${rep.SegmentList.Initialization['@range']}`);
      expect(init.status).toBe(206);
      expect(init.body.equals(file.subarray(0, INIT))).toBe(true);
      const [first, last] = rep.SegmentList.SegmentURL[0]['@mediaRange'].split('-').map(Number);
      expect(first).toBe(INIT);
      const seg = await bytes(url, `bytes=${first}-${last}`);
      expect(seg.body.equals(file.subarray(first, last + 1))).toBe(true);
    }
  });
});

describe('steering manifests', () => {
  it('answer the current ranking with TTL and RELOAD-URI, taking the players query parameters', async () => {
    const r = await get(`/v1/titles/${media}/steering/hls?_HLS_pathway=a1&_HLS_throughput=4500000`);
    expect(r.status).toBe(200);
    expectPlayerHeaders(r, 'application/json');
    const body = JSON.parse(r.text);
    expect(body).toMatchObject({
      VERSION: 1,
      TTL: 1,
      'RELOAD-URI': `${control.url}/v1/titles/${media}/steering/hls`,
    });
    expect([...body['PATHWAY-PRIORITY']].sort()).toEqual(['a1', 'a2']);
    // As dash.js asks: the locations in use as a quoted list, one throughput each (one unmeasured).
    const asked = await get(
      `/v1/titles/${media}/steering/dash?_DASH_pathway=%22a1,a2%22&_DASH_throughput=5000000.5,`,
    );
    expect(asked.status).toBe(200);
    const d = JSON.parse(asked.text);
    // As older dash.js asks: one location, one number.
    expect(
      (await get(`/v1/titles/${media}/steering/dash?_DASH_pathway=a2&_DASH_throughput=1e6`)).status,
    ).toBe(200);
    expect(d['RELOAD-URI']).toBe(`${control.url}/v1/titles/${media}/steering/dash`);
    expect([...d['SERVICE-LOCATION-PRIORITY']].sort()).toEqual(['a1', 'a2']);
    const metrics = (await get('/metrics')).text;
    expect(metrics).toMatch(
      /ferry_control_player_steering_requests_total\{protocol="hls",pathway="true",throughput="true"\} [1-9]/,
    );
  });

  it('drop a drained appliance, refuse its media playlists, and take it back when undrained', async () => {
    expect(await adminPost('a1', '/v1/drain')).toBe(202);
    await waitUntil(
      async () => (await steering('hls')).join() === 'a2' && (await steering('dash')).join() === 'a2',
      {
        what: 'a1 out of steering',
        timeoutMs: 15_000,
        intervalMs: 100,
      },
    );
    const rung = videoOf(media)[0]!.streamId;
    const refused = await get(`/v1/titles/${media}/hls/a1/${rung}.m3u8`);
    expect(refused.status).toBe(404);
    expect(JSON.parse(refused.text).error).toBe('FERRY_ERR_NOT_A_PATHWAY');
    expect((await get(`/v1/titles/${media}/main.m3u8`)).text).not.toContain('PATHWAY-ID="a1"');
    expect(await adminPost('a1', '/v1/undrain')).toBe(200);
    await waitUntil(async () => (await steering('hls')).length === 2, {
      what: 'a1 back in steering',
      timeoutMs: 15_000,
      intervalMs: 100,
    });
  });

  it('drop an appliance control marks unhealthy, and answer 503 when none is left', async () => {
    const a2 = appliances.get('a2')!;
    a2.child.kill('SIGKILL');
    await a2.exited;
    await waitUntil(async () => (await steering('dash')).join() === 'a1', {
      what: 'a2 out of steering',
      timeoutMs: 15_000,
      intervalMs: 100,
    });
    expect((await view()).find((a) => a.id === 'a2')?.health).toBe('unhealthy');
    expect(await adminPost('a1', '/v1/drain')).toBe(202);
    await waitUntil(async () => (await get(`/v1/titles/${media}/steering/hls`)).status === 503, {
      what: 'nothing left to steer to',
      timeoutMs: 15_000,
      intervalMs: 100,
    });
    for (const path of ['main.m3u8', 'manifest.mpd', 'steering/dash']) {
      const r = await get(`/v1/titles/${media}/${path}`);
      expect(r.status, path).toBe(503);
      expect(JSON.parse(r.text).error).toBe('FERRY_ERR_NO_APPLIANCE');
    }
  });
});
