// Signed heartbeats against a real control app on loopback (docs/security.md): a rogue, a
// seq takeover, a replay, a signature for another appliance's path, SSRF urls, a wrong site
// and a disabled appliance are each refused with their own code, nothing of them is stored
// or probed, and steering keeps sending viewers to the real appliance.
import { request } from 'node:http';
import { eventually } from '@ferry/harness';
import { generateSigningKeyPair, loadPrivateKey, signRequest } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestIdentity } from './support/fleet-auth.js';
import {
  type CountingHealthz,
  ONE_TITLE_CATALOG,
  rawCall,
  startHealthz,
  startTestControl,
  type TestControl,
} from './support/test-control.js';

let t: TestControl;
let east1: TestIdentity;
let real: CountingHealthz;
let bystander: CountingHealthz;
let seq = 0;
const BOOT = 'east1boot0000000';

function heartbeat(over: Record<string, unknown> = {}) {
  return {
    url: real.url,
    site: 'east',
    version: '0.1.0',
    state: 'serving',
    boot: BOOT,
    seq: ++seq,
    load: { bitsPerSecond: 1000, connections: 1 },
    capacity: { bitsPerSecond: 1e9 },
    disks: [],
    ...over,
  };
}

function signed(
  path: string,
  body: string,
  signer: { id: string; key: TestIdentity['key'] },
  nowMs?: number,
) {
  return { authorization: signRequest({ method: 'POST', path, body }, signer, nowMs) };
}

async function post(id: string, hb: object, signer?: { id: string; key: TestIdentity['key'] }) {
  const path = `/v1/appliances/${id}/heartbeat`;
  const body = JSON.stringify(hb);
  return rawCall(t.base, 'POST', path, { body, headers: signer ? signed(path, body, signer) : {} });
}

const admin = () => ({ authorization: `Bearer ${t.tokens.admin}` });

async function steerRank1(): Promise<string | undefined> {
  const r = await rawCall(t.base, 'POST', '/v1/steer', {
    body: JSON.stringify({ titleId: 't1' }),
    headers: { 'x-forwarded-for': '10.1.2.3' },
  });
  return r.status === 200 ? r.json.streams[0].urls[0]?.applianceId : `HTTP ${r.status} ${r.json.error}`;
}

async function applianceIds(): Promise<string[]> {
  const r = await rawCall(t.base, 'GET', '/v1/appliances', { headers: admin() });
  return r.json.appliances.map((a: { id: string }) => a.id);
}

beforeAll(async () => {
  t = await startTestControl();
  real = await startHealthz();
  bystander = await startHealthz('127.0.0.2');
  expect(
    (
      await rawCall(t.base, 'POST', '/v1/catalog', {
        body: JSON.stringify(ONE_TITLE_CATALOG),
        headers: admin(),
      })
    ).status,
  ).toBe(200);
  east1 = await t.fleet.enroll('east-1', 'east');
  await t.fleet.enroll('east-2', 'east');
  const first = await post(
    'east-1',
    heartbeat({
      routes: { kind: 'snapshot', epoch: 'e1', version: 1, routes: [{ prefix: '10.0.0.0/8' }] },
      inventory: { kind: 'full', version: 1, files: ['t1-v1'] },
    }),
    east1,
  );
  expect(first.status).toBe(200);
  await eventually(async () => expect(await steerRank1()).toBe('east-1'), {
    timeoutMs: 5000,
    intervalMs: 50,
  });
});

afterAll(async () => {
  await t?.close();
  await real?.stop();
  await bystander?.stop();
});

describe('signed heartbeats', () => {
  it('refuses a rogue appliance, signed or not, and steering does not change', async () => {
    const rogue = heartbeat({
      url: bystander.url,
      routes: { kind: 'snapshot', epoch: 'r', version: 1, routes: [{ prefix: '10.1.0.0/16' }] },
      inventory: { kind: 'full', version: 1, files: ['t1-v1'] },
    });
    expect(await post('rogue-1', rogue)).toMatchObject({
      status: 401,
      json: { error: 'FERRY_ERR_AUTH_SIGNATURE_MISSING' },
    });
    const own = generateSigningKeyPair();
    expect(
      await post('rogue-1', rogue, { id: 'rogue-1', key: loadPrivateKey(own.privateKeyPem) }),
    ).toMatchObject({
      status: 401,
      json: { error: 'FERRY_ERR_AUTH_UNKNOWN_SIGNER' },
    });
    const garbage = await rawCall(t.base, 'POST', '/v1/appliances/rogue-1/heartbeat', {
      body: JSON.stringify(rogue),
      headers: { authorization: 'Ferry-Sig v=1,id=rogue-1' },
    });
    expect(garbage).toMatchObject({ status: 401, json: { error: 'FERRY_ERR_AUTH_SIGNATURE_MALFORMED' } });
    expect(await applianceIds()).not.toContain('rogue-1');
    expect(await t.store.getRoutes('rogue-1')).toBeUndefined();
    expect(await steerRank1()).toBe('east-1');
  });

  it('answers an unsigned heartbeat before reading its body', async () => {
    // 100 MB announced, 2 bytes sent: only a refusal from the header alone can arrive.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${t.base}/v1/appliances/east-1/heartbeat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(100_000_000) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write('{"');
    });
    expect(status).toBe(401);
  });

  it('refuses a seq takeover (unsigned, or signed by another key) and the real appliance goes on', async () => {
    const takeover = heartbeat({
      seq: 2 ** 31,
      state: 'drained',
      load: { bitsPerSecond: 9, connections: 9 },
    });
    expect((await post('east-1', takeover)).json.error).toBe('FERRY_ERR_AUTH_SIGNATURE_MISSING');
    const other = loadPrivateKey(generateSigningKeyPair().privateKeyPem);
    expect((await post('east-1', takeover, { id: 'east-1', key: other })).json.error).toBe(
      'FERRY_ERR_AUTH_BAD_SIGNATURE',
    );
    // Past the bound even when signed: a schema error, nothing stored.
    expect((await post('east-1', { ...takeover, seq: 9007199254740991 }, east1)).status).toBe(400);
    const next = await post('east-1', heartbeat({ load: { bitsPerSecond: 4242, connections: 3 } }), east1);
    expect(next.status).toBe(200);
    expect(t.control.model.getAppliance('east-1')).toMatchObject({ reportedState: 'serving', loadBps: 4242 });
    expect(await steerRank1()).toBe('east-1');
  });

  it('refuses a replayed heartbeat', async () => {
    const path = '/v1/appliances/east-1/heartbeat';
    const body = JSON.stringify(heartbeat());
    const headers = signed(path, body, east1);
    expect((await rawCall(t.base, 'POST', path, { body, headers })).status).toBe(200);
    expect(await rawCall(t.base, 'POST', path, { body, headers })).toMatchObject({
      status: 401,
      json: { error: 'FERRY_ERR_AUTH_REPLAYED' },
    });
  });

  it('refuses a signature outside the clock skew', async () => {
    const path = '/v1/appliances/east-1/heartbeat';
    const body = JSON.stringify(heartbeat());
    const headers = signed(path, body, east1, Date.now() - 60_000);
    expect((await rawCall(t.base, 'POST', path, { body, headers })).json.error).toBe(
      'FERRY_ERR_AUTH_CLOCK_SKEW',
    );
  });

  it("refuses east-1's signature on east-2's path", async () => {
    const r = await post('east-2', heartbeat({ boot: 'east2boot0000000' }), east1);
    expect(r).toMatchObject({ status: 403, json: { error: 'FERRY_ERR_AUTH_WRONG_APPLIANCE' } });
    expect(await applianceIds()).not.toContain('east-2');
  });

  it('refuses SSRF urls before anything is stored or probed', async () => {
    const hitsBefore = bystander.hits;
    for (const url of [
      'http://169.254.169.254/',
      'javascript:alert(1)',
      bystander.url,
      `http://user:pw@127.0.0.1:${new URL(real.url).port}`,
      'file:///etc/passwd',
    ]) {
      const r = await post('east-1', heartbeat({ url }), east1);
      expect(r, url).toMatchObject({ status: 403, json: { error: 'FERRY_ERR_AUTH_URL_NOT_ALLOWED' } });
    }
    expect(t.control.model.getAppliance('east-1')?.url).toBe(real.url);
    expect((await t.store.getAppliance('east-1'))?.url).toBe(real.url);
    await new Promise((r) => setTimeout(r, 300));
    expect(bystander.hits).toBe(hitsBefore);
  });

  it('refuses a heartbeat with another site', async () => {
    const r = await post('east-1', heartbeat({ site: 'west' }), east1);
    expect(r).toMatchObject({ status: 403, json: { error: 'FERRY_ERR_AUTH_WRONG_SITE' } });
    expect(t.control.model.getAppliance('east-1')?.site).toBe('east');
  });

  it('counts refusals by reason', async () => {
    const text = await (await fetch(`${t.base}/metrics`)).text();
    for (const reason of [
      'signature-missing',
      'unknown-signer',
      'replayed',
      'wrong-appliance',
      'url-not-allowed',
    ]) {
      expect(text).toMatch(new RegExp(`ferry_control_auth_refused_total\\{reason="${reason}"\\} [1-9]`));
    }
  });

  it('takes a disabled appliance out of steering, refuses its heartbeats, and takes it back when enabled', async () => {
    const off = await rawCall(t.base, 'POST', '/v1/appliances/east-1/disable', {
      body: '{}',
      headers: admin(),
    });
    expect(off).toMatchObject({ status: 200, json: { id: 'east-1', disabled: true } });
    expect(await steerRank1()).toMatch(/^HTTP 503/);
    expect(
      (await rawCall(t.base, 'GET', '/v1/routes/lookup?ip=10.1.2.3', { headers: admin() })).json.prefix,
    ).toBe(null);
    expect(await post('east-1', heartbeat(), east1)).toMatchObject({
      status: 403,
      json: { error: 'FERRY_ERR_AUTH_DISABLED' },
    });
    const list = await rawCall(t.base, 'GET', '/v1/appliances', { headers: admin() });
    expect(list.json.appliances.find((a: { id: string }) => a.id === 'east-1').enrollment).toBe('disabled');

    await rawCall(t.base, 'POST', '/v1/appliances/east-1/enable', { body: '{}', headers: admin() });
    // Its reports were forgotten: a delta is answered with a resync, the full report restores it.
    const delta = await post(
      'east-1',
      heartbeat({
        routes: { kind: 'delta', epoch: 'e1', since: 1, version: 2, announced: [], withdrawn: [] },
      }),
      east1,
    );
    expect(delta.json.routesResync).toBe(true);
    const full = await post(
      'east-1',
      heartbeat({
        routes: { kind: 'snapshot', epoch: 'e1', version: 2, routes: [{ prefix: '10.0.0.0/8' }] },
        inventory: { kind: 'full', version: 1, files: ['t1-v1'] },
      }),
      east1,
    );
    expect(full.status).toBe(200);
    expect(await steerRank1()).toBe('east-1');
  });

  it('forgets a removed appliance: registry, route lookup, steering, probes', async () => {
    const del = await rawCall(t.base, 'DELETE', '/v1/appliances/east-1', { headers: admin() });
    expect(del.status).toBe(204);
    expect(await applianceIds()).not.toContain('east-1');
    const lookup = await rawCall(t.base, 'GET', '/v1/routes/lookup?ip=10.1.2.3', { headers: admin() });
    expect(lookup.json).toMatchObject({ prefix: null, appliances: [] });
    expect(await steerRank1()).toMatch(/^HTTP 503/);
    expect(await post('east-1', heartbeat(), east1)).toMatchObject({
      status: 401,
      json: { error: 'FERRY_ERR_AUTH_UNKNOWN_SIGNER' },
    });
    const events = await rawCall(t.base, 'GET', '/v1/events?appliance=east-1&limit=100', {
      headers: admin(),
    });
    expect(events.json.events.map((e: { kind: string }) => e.kind)).toEqual(
      expect.arrayContaining(['enrolled', 'registered', 'disabled', 'enabled', 'removed']),
    );
    const probes = real.hits;
    await new Promise((r) => setTimeout(r, 300));
    expect(real.hits).toBe(probes);
    expect((await rawCall(t.base, 'DELETE', '/v1/appliances/east-1', { headers: admin() })).status).toBe(404);
  });
});
