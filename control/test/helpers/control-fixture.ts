// A real control app on loopback with a SQLite store in a temp dir, one appliance with a
// /healthz server (so probes make it healthy and steering hands out its URLs) and a catalog
// of one title that appliance holds. For the ingest, paging and limit tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@ferry/harness';
import type { Heartbeat, RoutesReport } from '@ferry/protocol';
import pino from 'pino';
import { type ControlConfig, DEFAULTS, validateConfig } from '../../src/config.js';
import { buildControlApp, type ControlApp } from '../../src/server/app.js';
import { openStore } from '../../src/state/open-store.js';
import type { StateStore } from '../../src/state/store.js';
import { TestFleet, writeTestTokens } from '../support/fleet-auth.js';

export const TITLE = 't1';
export const FILE = 't1-v';

export const catalog = {
  version: 1,
  generatedAt: '2026-11-22T00:00:00Z',
  seed: 'ingest',
  titles: [
    {
      id: TITLE,
      name: 'One title',
      durationSec: 4,
      streams: [
        {
          streamId: FILE,
          kind: 'video',
          bitrate: 2_000_000,
          size: 100,
          sha256: 'b'.repeat(64),
          segmentDurationSec: 4,
          segments: [{ index: 0, start: 0, length: 100, durationSec: 4 }],
        },
      ],
    },
  ],
};

export interface Fixture {
  base: string;
  control: ControlApp;
  store: StateStore;
  dir: string;
  /** the appliance's base URL (its /healthz answers 200) */
  applianceUrl: string;
  /** operator tokens and the enrolled appliances' keys (heartbeats are signed) */
  fleet: TestFleet;
  /** Stops control, closes and reopens the store, starts control again; returns the ms it took to load. */
  restart(): Promise<number>;
  close(): Promise<void>;
}

export async function startFixture(overrides: Partial<ControlConfig> = {}): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-ingest-'));
  const store = await openStore({ db: join(dir, 'control.db') });
  const healthz: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => healthz.listen(0, '127.0.0.1', resolve));
  const applianceUrl = `http://127.0.0.1:${(healthz.address() as AddressInfo).port}`;
  const tokens = await writeTestTokens(dir);
  const config = validateConfig({
    ...DEFAULTS,
    http: { ...DEFAULTS.http },
    listen: { host: '127.0.0.1', port: 0 },
    fallbackSites: [],
    trustedProxies: ['127.0.0.1/32'],
    logLevel: 'silent',
    // A 1M-route swap keeps the appliance fresh itself; this only keeps slow CI from flapping.
    staleAfterMs: 600_000,
    operatorTokensFile: tokens.file,
    ...overrides,
  });
  const dbFile = join(dir, 'control.db');
  const logger = pino({ level: 'silent' });
  const control = await buildControlApp({ config, store, logger });
  const base = await control.app.listen({ host: '127.0.0.1', port: 0 });
  const res = await fetch(`${base}/v1/catalog`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.admin}` },
    body: JSON.stringify(catalog),
  });
  if (res.status !== 200) throw new Error(`catalog refused: ${res.status} ${await res.text()}`);
  const f: Fixture = {
    base,
    control,
    store,
    dir,
    applianceUrl,
    fleet: new TestFleet(() => f.base, tokens),
    async restart() {
      await f.control.close();
      await f.store.close();
      const started = performance.now();
      f.store = await openStore({ db: dbFile });
      f.control = await buildControlApp({ config, store: f.store, logger });
      const ms = performance.now() - started;
      const port = Number(new URL(f.base).port);
      f.base = await f.control.app.listen({ host: '127.0.0.1', port });
      return ms;
    },
    async close() {
      await f.control.close();
      await f.store.close();
      healthz.closeAllConnections();
      await new Promise<void>((resolve) => healthz.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
  return f;
}

let seq = 1;
// One boot for every heartbeat these tests send: seq rises within it.
const BOOT = 'fixtureBoot00000';

export function heartbeat(f: Fixture, routes?: RoutesReport, withInventory = true): Heartbeat {
  const hb: Heartbeat = {
    url: f.applianceUrl,
    site: 'isp-a',
    version: '0.1.0',
    state: 'serving',
    boot: BOOT,
    seq: seq++,
    load: { bitsPerSecond: 0, connections: 0 },
    capacity: { bitsPerSecond: 1e9 },
    disks: [],
  };
  if (withInventory) hb.inventory = { kind: 'full', version: 1, files: [FILE] };
  if (routes) hb.routes = routes;
  return hb;
}

/** Posts a heartbeat signed by `id`, enrolling it (site isp-a, loopback) on first use. */
export async function postHeartbeat(f: Fixture, id: string, body: Heartbeat | string) {
  if (!f.fleet.identities.has(id)) await f.fleet.enroll(id, 'isp-a', ['127.0.0.1']);
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const path = `/v1/appliances/${id}/heartbeat`;
  const res = await fetch(`${f.base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...f.fleet.headers('POST', path, text) },
    body: text,
  });
  // biome-ignore lint/suspicious/noExplicitAny: replies are checked field by field
  return { status: res.status, json: (await res.json()) as any };
}

export async function steer(f: Fixture, client: string) {
  const res = await fetch(`${f.base}/v1/steer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
    body: JSON.stringify({ titleId: TITLE }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
  return { status: res.status, headers: res.headers, json: (await res.json()) as any };
}

export async function waitHealthy(f: Fixture, id: string): Promise<void> {
  await eventually(() => f.control.model.getAppliance(id)?.health === 'healthy', {
    what: `${id} healthy`,
    timeoutMs: 10_000,
    intervalMs: 50,
  });
}

/** The i-th of 2^24 distinct IPv4 /24s, from 11.0.0.0 up. */
export function slash24(i: number): string {
  return `${11 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.0/24`;
}

/** Parts of the snapshot at (epoch, version) of `total` /24s, `perPart` each. */
export function snapshotParts(
  epoch: string,
  version: number,
  total: number,
  perPart: number,
): RoutesReport[] {
  const count = Math.ceil(total / perPart);
  const parts: RoutesReport[] = [];
  for (let index = 0; index < count; index++) {
    const routes = [];
    for (let i = index * perPart; i < Math.min(total, (index + 1) * perPart); i++)
      routes.push({ prefix: slash24(i) });
    parts.push({ kind: 'snapshot', epoch, version, part: { index, count }, routes });
  }
  return parts;
}
