// Operators' admin state on a real control app (docs/control.md "Admin state"): drain,
// undrain and maintenance windows need an operator token, refuse unknown appliances and bad
// windows, take an appliance out of steering at once, order the drain in every heartbeat
// reply, log their events, and survive a control restart on SQLite and on a real
// redis-server. A failed turn-up report keeps an appliance out of steering too.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, type RedisServer, startRedisServer } from '@ferry/harness';
import { createKeyRing, heldKeys, keyFingerprint, signRequest } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/state/open-store.js';
import { openRedisStore } from '../src/state/redis-store.js';
import {
  enrollAt,
  makeIdentity,
  type TestIdentity,
  type TestTokens,
  writeTestTokens,
} from './support/fleet-auth.js';
import {
  type CountingHealthz,
  ONE_TITLE_CATALOG,
  rawCall,
  type ServedControl,
  serveControl,
  startHealthz,
} from './support/test-control.js';

const ring = createKeyRing([{ keyId: 'k1', secret: Buffer.alloc(32, 7) }]);
const held = heldKeys(ring);
const quiet = { error: () => {}, warn: () => {} };

let dir: string;
let tokens: TestTokens;
let control: ServedControl;
const healthz = new Map<string, CountingHealthz>();
const ids = new Map<string, TestIdentity>();
const seqs = new Map<string, number>();

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function call(method: string, path: string, body?: unknown, token = tokens.operator, base = control.base) {
  return rawCall(base, method, path, {
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    headers: token ? bearer(token) : {},
  });
}

/** One signed heartbeat of `id` (site east, holding t1-v1, heard 10.0.0.0/8 on its first). */
async function beat(id: string, over: Record<string, unknown> = {}, base = control.base) {
  const seq = (seqs.get(id) ?? 0) + 1;
  seqs.set(id, seq);
  const hb = {
    url: healthz.get(id)!.url,
    site: 'east',
    version: '0.1.0',
    state: 'serving',
    boot: `${id}boot000000000`.slice(0, 16),
    seq,
    load: { bitsPerSecond: 1000, connections: 1 },
    capacity: { bitsPerSecond: 1e9 },
    disks: [],
    keys: held,
    ...(seq === 1
      ? {
          routes: { kind: 'snapshot', epoch: 'e1', version: 1, routes: [{ prefix: '10.0.0.0/8' }] },
          inventory: { kind: 'full', version: 1, files: ['t1-v1'] },
        }
      : {}),
    ...over,
  };
  const path = `/v1/appliances/${id}/heartbeat`;
  const body = JSON.stringify(hb);
  const identity = ids.get(id)!;
  const r = await rawCall(base, 'POST', path, {
    body,
    headers: { authorization: signRequest({ method: 'POST', path, body }, identity) },
  });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json;
}

/** The appliances steering names for one viewer in 10.1.2.3, in rank order. */
async function steered(base = control.base): Promise<string[]> {
  const r = await rawCall(base, 'POST', '/v1/steer', {
    body: JSON.stringify({ titleId: 't1' }),
    headers: { 'x-forwarded-for': '10.1.2.3' },
  });
  expect(r.status).toBe(200);
  return r.json.streams[0].urls.map((u: { applianceId: string }) => u.applianceId);
}

async function events(kind: string, base = control.base): Promise<{ kind: string; reason?: string }[]> {
  const r = await call('GET', '/v1/events?appliance=east-1&limit=1000', undefined, tokens.viewer, base);
  return r.json.events.filter((e: { kind: string }) => e.kind === kind);
}

async function startSqlite(): Promise<ServedControl> {
  const store = await openStore({ db: join(dir, 'control.db') });
  return serveControl(
    store,
    { probeIntervalMs: 50, staleAfterMs: 600_000, operatorTokensFile: tokens.file },
    { keys: ring, tokenPollMs: 50 },
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-admin-'));
  tokens = await writeTestTokens(dir);
  control = await startSqlite();
  expect((await call('POST', '/v1/catalog', ONE_TITLE_CATALOG)).status).toBe(200);
  for (const id of ['east-1', 'east-2']) {
    healthz.set(id, await startHealthz());
    const identity = makeIdentity(id);
    ids.set(id, identity);
    await enrollAt(control.base, tokens.admin, identity, 'east', []);
    await beat(id);
  }
  await eventually(
    async () => {
      await beat('east-1');
      await beat('east-2');
      expect((await steered()).sort()).toEqual(['east-1', 'east-2']);
    },
    { timeoutMs: 10_000, intervalMs: 100 },
  );
});

afterAll(async () => {
  await control?.close();
  for (const h of healthz.values()) await h.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('admin state API', () => {
  it('needs an operator token and a known appliance', async () => {
    expect((await call('POST', '/v1/appliances/east-1/drain', {}, '')).json.error).toBe(
      'FERRY_ERR_AUTH_REQUIRED',
    );
    expect((await call('POST', '/v1/appliances/east-1/drain', {}, tokens.viewer)).json.error).toBe(
      'FERRY_ERR_AUTH_FORBIDDEN',
    );
    for (const [method, path] of [
      ['POST', '/v1/appliances/ghost/drain'],
      ['POST', '/v1/appliances/ghost/undrain'],
      ['DELETE', '/v1/appliances/ghost/maintenance'],
    ] as const) {
      const r = await call(method, path, method === 'DELETE' ? undefined : {});
      expect(r, path).toMatchObject({ status: 404, json: { error: 'FERRY_ERR_UNKNOWN_APPLIANCE' } });
    }
    const now = Date.now();
    const put = await call('PUT', '/v1/appliances/ghost/maintenance', { startMs: now, endMs: now + 60_000 });
    expect(put.status).toBe(404);
    expect(await steered()).toHaveLength(2);
  });

  it('refuses a window that ends before it starts, in the past or after more than 7 days', async () => {
    const now = Date.now();
    for (const body of [
      { startMs: now + 60_000, endMs: now + 1000 },
      { startMs: now - 120_000, endMs: now - 60_000 },
      { startMs: now, endMs: now + 8 * 24 * 3600_000 },
    ]) {
      const r = await call('PUT', '/v1/appliances/east-1/maintenance', body);
      expect(r, JSON.stringify(body)).toMatchObject({
        status: 400,
        json: { error: 'FERRY_ERR_MAINTENANCE_INVALID' },
      });
    }
    const bad = await call('PUT', '/v1/appliances/east-1/maintenance', { startMs: 'soon', endMs: now });
    expect(bad).toMatchObject({ status: 400, json: { error: 'FERRY_ERR_VALIDATION' } });
    expect((await call('POST', '/v1/appliances/east-1/drain', { reason: 'x'.repeat(201) })).status).toBe(400);
    expect(control.control.model.admin.get('east-1')).toBeUndefined();
  });

  it('drains at once: out of steering before the next heartbeat, and the reply orders it', async () => {
    const r = await call('POST', '/v1/appliances/east-1/drain', { reason: 'swap disk 3' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      drain: { reason: 'swap disk 3', by: 'test-operator' },
      maintenance: null,
      draining: true,
    });
    expect(await steered()).toEqual(['east-2']);
    const reply = await beat('east-1');
    expect(reply.drain).toEqual({ cause: 'operator', reason: 'swap disk 3' });
    expect(reply.signingKey).toEqual({ id: 'k1', fingerprint: keyFingerprint(ring.signing) });
    expect((await beat('east-2')).drain).toBeUndefined();
    const view = await call('GET', '/v1/appliances/east-1', undefined, tokens.viewer);
    expect(view.json.admin).toMatchObject({ draining: true, drain: { by: 'test-operator' } });
    // A second drain changes nothing and logs nothing.
    expect((await call('POST', '/v1/appliances/east-1/drain', {})).json.drain.reason).toBe('swap disk 3');
    expect(await events('admin-drain')).toHaveLength(1);
  });

  it('undrains: back in steering, and replies no longer order a drain', async () => {
    const r = await call('POST', '/v1/appliances/east-1/undrain');
    expect(r.json).toEqual({ drain: null, maintenance: null, draining: false });
    expect((await steered()).sort()).toEqual(['east-1', 'east-2']);
    expect((await beat('east-1')).drain).toBeUndefined();
    expect(await events('admin-undrain')).toMatchObject([{ reason: 'undrained by test-operator' }]);
  });

  it('a window in progress drains, logs its start and end, and leaves once over', async () => {
    const now = Date.now();
    const r = await call('PUT', '/v1/appliances/east-1/maintenance', {
      startMs: now - 1000,
      endMs: now + 2500,
      reason: 'line card',
    });
    expect(r.json).toMatchObject({
      drain: null,
      maintenance: { startMs: now - 1000, endMs: now + 2500, reason: 'line card', by: 'test-operator' },
      draining: true,
    });
    expect(await steered()).toEqual(['east-2']);
    expect((await beat('east-1')).drain).toEqual({ cause: 'maintenance', reason: 'line card' });
    await eventually(async () => expect(await events('maintenance-started')).toHaveLength(1), {
      timeoutMs: 5000,
    });
    await eventually(async () => expect(await events('maintenance-ended')).toHaveLength(1), {
      timeoutMs: 8000,
    });
    expect((await call('GET', '/v1/appliances/east-1', undefined, tokens.viewer)).json.admin).toEqual({
      drain: null,
      maintenance: null,
      draining: false,
    });
    expect((await beat('east-1')).drain).toBeUndefined();
    expect((await steered()).sort()).toEqual(['east-1', 'east-2']);
    expect(await events('maintenance-scheduled')).toHaveLength(1);
  });

  it('a future window does not drain yet, and cancelling it is logged', async () => {
    const now = Date.now();
    const r = await call('PUT', '/v1/appliances/east-1/maintenance', {
      startMs: now + 3600_000,
      endMs: now + 7200_000,
    });
    expect(r.json.draining).toBe(false);
    expect((await beat('east-1')).drain).toBeUndefined();
    const del = await call('DELETE', '/v1/appliances/east-1/maintenance');
    expect(del.json).toEqual({ drain: null, maintenance: null, draining: false });
    expect(await events('maintenance-cancelled')).toHaveLength(1);
  });

  it('keeps every drain and window across a control restart (SQLite)', async () => {
    const now = Date.now();
    await call('POST', '/v1/appliances/east-1/drain', { reason: 'kept' });
    await call('PUT', '/v1/appliances/east-2/maintenance', {
      startMs: now + 3600_000,
      endMs: now + 7200_000,
    });
    await control.close();
    control = await startSqlite();
    expect(control.control.model.admin.view('east-1', Date.now())).toMatchObject({
      draining: true,
      drain: { reason: 'kept' },
    });
    expect(
      (await call('GET', '/v1/appliances/east-2', undefined, tokens.viewer)).json.admin.maintenance,
    ).toMatchObject({
      startMs: now + 3600_000,
    });
    expect((await beat('east-1')).drain).toEqual({ cause: 'operator', reason: 'kept' });
    await beat('east-2');
    await eventually(async () => expect(await steered()).toEqual(['east-2']), { timeoutMs: 10_000 });
    await call('POST', '/v1/appliances/east-1/undrain');
    await call('DELETE', '/v1/appliances/east-2/maintenance');
    await eventually(async () => expect((await steered()).sort()).toEqual(['east-1', 'east-2']), {
      timeoutMs: 5000,
    });
  });

  it('keeps an appliance whose turn-up checks fail out of steering, with the failed checks as its health reason', async () => {
    const failing = {
      passed: false,
      checkedMs: Date.now(),
      checks: [
        { name: 'disks', ok: true, detail: '1 store ok' },
        { name: 'bgp', ok: false, detail: 'no BGP session Established' },
      ],
    };
    await beat('east-1', { turnup: failing });
    expect(await steered()).toEqual(['east-2']);
    await eventually(
      async () => {
        const a = (await call('GET', '/v1/appliances/east-1', undefined, tokens.viewer)).json;
        // Its status is the probes' (placement still fills it); the reason says what fails.
        expect(a.health).toBe('healthy');
        expect(a.healthReason).toBe('turning up: bgp: no BGP session Established');
        expect(a.turnup).toMatchObject({ passed: false });
      },
      { timeoutMs: 5000 },
    );
    await beat('east-1', { turnup: { ...failing, passed: true, checks: [] } });
    await eventually(
      async () => {
        await beat('east-1');
        expect((await steered()).sort()).toEqual(['east-1', 'east-2']);
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
  });
});

describe('admin state on Redis', () => {
  let redis: RedisServer | undefined;
  const served: ServedControl[] = [];
  const onRedis = async () => {
    const c = await serveControl(
      await openRedisStore(redis!.url, { logger: quiet }),
      { probeIntervalMs: 50, staleAfterMs: 600_000, operatorTokensFile: tokens.file },
      { tokenPollMs: 50 },
    );
    served.push(c);
    return c;
  };

  afterAll(async () => {
    for (const c of served) await c.close().catch(() => {});
    await redis?.stop();
  });

  it('is shared by two instances and kept when both restart', async () => {
    redis = await startRedisServer();
    const one = await onRedis();
    const two = await onRedis();
    await enrollAt(one.base, tokens.admin, ids.get('east-1')!, 'east', []);
    seqs.set('east-1', 0);
    await beat('east-1', {}, one.base);
    const now = Date.now();
    expect(
      (await call('POST', '/v1/appliances/east-1/drain', { reason: 'on redis' }, tokens.operator, one.base))
        .status,
    ).toBe(200);
    expect(
      (
        await call(
          'PUT',
          '/v1/appliances/east-1/maintenance',
          { startMs: now + 3600_000, endMs: now + 7200_000 },
          tokens.operator,
          one.base,
        )
      ).status,
    ).toBe(200);
    await eventually(() => expect(two.control.model.admin.view('east-1', Date.now()).draining).toBe(true), {
      timeoutMs: 5000,
    });
    expect((await beat('east-1', {}, two.base)).drain).toEqual({ cause: 'operator', reason: 'on redis' });
    await one.close();
    await two.close();
    const three = await onRedis();
    expect(three.control.model.admin.view('east-1', Date.now())).toMatchObject({
      draining: true,
      drain: { reason: 'on redis', by: 'test-operator' },
      maintenance: { startMs: now + 3600_000, endMs: now + 7200_000 },
    });
    const undrained = await call(
      'POST',
      '/v1/appliances/east-1/undrain',
      undefined,
      tokens.operator,
      three.base,
    );
    expect(undrained.json).toMatchObject({ drain: null, draining: false });
    const kinds = (
      await call('GET', '/v1/events?appliance=east-1&limit=100', undefined, tokens.viewer, three.base)
    ).json.events.map((e: { kind: string }) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['admin-drain', 'maintenance-scheduled', 'admin-undrain']));
  });
});
