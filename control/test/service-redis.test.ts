// Two control instances on one Redis (a real redis-server on loopback): a heartbeat, a
// routes delta and a catalog posted to one instance reach the other's in-memory model
// through the store's change feed, so both steer the same client to the same appliance.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type RedisServer, startRedisServer, waitUntil } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/state/open-store.js';
import { TestFleet, type TestTokens, writeTestTokens } from './support/fleet-auth.js';
import { type ServedControl, serveControl } from './support/test-control.js';
import { heartbeatBody, oneStreamCatalog } from './support/test-data.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Body = any;

type Instance = ServedControl;

let redis: RedisServer | undefined;
let healthz: Server | undefined;
let applianceUrl = '';
const instances: Instance[] = [];
let tokens: TestTokens;
let fleet: TestFleet;

async function startInstance(url: string): Promise<Instance> {
  return serveControl(await openStore({ redis: url }), { operatorTokensFile: tokens.file });
}

async function call(inst: Instance, method: string, path: string, body?: unknown, client?: string) {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = fleet.headers(method, path, text);
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (client) headers['x-forwarded-for'] = client;
  const res = await fetch(`${inst.base}${path}`, { method, headers, body: text });
  const raw = await res.text();
  return { status: res.status, json: (raw === '' ? null : JSON.parse(raw)) as Body };
}

describe('two control instances on one Redis', () => {
  beforeAll(async () => {
    redis = await startRedisServer();
    tokens = await writeTestTokens(await mkdtemp(join(tmpdir(), 'ferry-redis-tokens-')));
    healthz = createServer((_req, res) => res.end('{"ok":true}'));
    await new Promise<void>((r) => healthz!.listen(0, '127.0.0.1', r));
    applianceUrl = `http://127.0.0.1:${(healthz.address() as AddressInfo).port}`;
    instances.push(await startInstance(redis.url), await startInstance(redis.url));
    fleet = new TestFleet(() => instances[0]!.base, tokens);
    await fleet.enroll('a1', 'site-a');
    // The other instance learns the identity through the change feed.
    await waitUntil(async () => instances[1]!.control.model.identities.get('a1') !== undefined, {
      what: 'instance two knows a1',
      timeoutMs: 5000,
      intervalMs: 20,
    });
  });

  afterAll(async () => {
    for (const i of instances) await i.close();
    healthz?.closeAllConnections();
    await new Promise<void>((r) => (healthz ? healthz.close(() => r()) : r()));
    await redis?.stop();
    if (tokens) await rm(dirname(tokens.file), { recursive: true, force: true });
  });

  it('agree on registry, routes, inventory, catalog and steering', async () => {
    const [one, two] = instances as [Instance, Instance];
    const catalog = oneStreamCatalog('redis', { generatedAt: '2026-11-22T00:00:00Z' });
    expect((await call(one, 'POST', '/v1/catalog', catalog)).status).toBe(200);
    const hb = (seq: number, routes: unknown) =>
      heartbeatBody({
        url: applianceUrl,
        seq,
        routes,
        inventory: seq === 1 ? { kind: 'full', version: 1, files: ['t1-v'] } : undefined,
      });
    await call(
      one,
      'POST',
      '/v1/appliances/a1/heartbeat',
      hb(1, { kind: 'snapshot', epoch: 'e', version: 1, routes: [{ prefix: '10.0.0.0/8' }] }),
    );
    await call(
      one,
      'POST',
      '/v1/appliances/a1/heartbeat',
      hb(2, {
        kind: 'delta',
        epoch: 'e',
        since: 1,
        version: 2,
        announced: [{ prefix: '10.5.0.0/16' }],
        withdrawn: [],
      }),
    );

    // Heartbeats keep going to instance one only: instance two learns of them through the
    // records in Redis, and must not call a1 stale.
    let seq = 3;
    const beat = setInterval(
      () => void call(one, 'POST', '/v1/appliances/a1/heartbeat', hb(seq++, undefined)),
      300,
    );
    try {
      await agree(one, two);
    } finally {
      clearInterval(beat);
    }
  });

  it('removes an appliance on every instance when one of them deletes it', async () => {
    const [one, two] = instances as [Instance, Instance];
    expect((await call(one, 'DELETE', '/v1/appliances/a1')).status).toBe(204);
    await waitUntil(
      async () => {
        const lookup = await call(two, 'GET', '/v1/routes/lookup?ip=10.5.1.1');
        return (
          two.control.model.getAppliance('a1') === undefined &&
          two.control.model.identities.get('a1') === undefined &&
          lookup.json.prefix === null
        );
      },
      { what: 'instance two forgets a1', timeoutMs: 5000, intervalMs: 50 },
    );
  });
});

async function agree(one: Instance, two: Instance): Promise<void> {
  await waitUntil(
    async () => {
      const r = await call(two, 'GET', '/v1/appliances/a1');
      return r.status === 200 && r.json.routes === 2 && r.json.files === 1;
    },
    { what: 'instance two sees a1 with both prefixes and its file', timeoutMs: 5000, intervalMs: 50 },
  );
  expect((await call(two, 'GET', '/v1/routes/lookup?ip=10.5.1.1')).json.prefix).toBe('10.5.0.0/16');
  expect((await call(two, 'GET', '/v1/titles/t1')).status).toBe(200);

  // Each instance probes for itself; both must find a1 healthy and steer to it.
  await waitUntil(
    async () => {
      for (const inst of [one, two]) {
        const r = await call(inst, 'POST', '/v1/steer', { titleId: 't1' }, '10.5.1.1');
        if (r.status !== 200 || r.json.streams[0].urls[0].applianceId !== 'a1') return false;
      }
      return true;
    },
    { what: 'both instances steer to a1', timeoutMs: 5000, intervalMs: 50 },
  );
  await new Promise((r) => setTimeout(r, 3000));
  for (const inst of [one, two]) expect(inst.control.model.getAppliance('a1')?.health).toBe('healthy');
}
