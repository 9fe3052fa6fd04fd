// GET /v1/appliances/{id}/manifest against a real control: the appliance's own signature (as
// on heartbeats, over an empty body) or a viewer token, and nothing else.
import { signRequest } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FillAppliance, type FillControl, fillCatalog, startFillControl } from './support/fill-fleet.js';
import { makeIdentity } from './support/fleet-auth.js';
import { rawCall } from './support/test-control.js';

let f: FillControl;
let a: FillAppliance;
let b: FillAppliance;

beforeAll(async () => {
  f = await startFillControl();
  await f.postCatalog(fillCatalog(5));
  a = await f.appliance('ma', 'east', '127.0.0.21');
  b = await f.appliance('mb', 'east', '127.0.0.22');
  await a.beat();
  await b.beat();
});

afterAll(async () => {
  await f?.close();
});

const refused = () =>
  f.t.control.metrics.registry.getSingleMetricAsString('ferry_control_auth_refused_total');

describe('the manifest', () => {
  it('is answered to the appliance itself, signed over method, path and an empty body', async () => {
    const r = await a.manifest();
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ applianceId: 'ma', drop: [] });
    expect(r.json.files.length).toBeGreaterThan(0);
  });

  it.each([
    {
      what: 'no signature',
      headers: {} as Record<string, string>,
      status: 401,
      error: 'FERRY_ERR_AUTH_SIGNATURE_MISSING',
    },
    {
      what: 'a malformed one',
      headers: { authorization: 'Ferry-Sig nope' },
      status: 401,
      error: 'FERRY_ERR_AUTH_SIGNATURE_MALFORMED',
    },
    {
      what: 'a bad viewer token',
      headers: { authorization: 'Bearer fop_nope' },
      status: 401,
      error: 'FERRY_ERR_AUTH_BAD_TOKEN',
    },
  ])('is refused with $what', async ({ headers, status, error }) => {
    const r = await a.manifest({ headers });
    expect(r.status).toBe(status);
    expect(r.json.error).toBe(error);
  });

  it('is refused to another appliance, even enrolled: each reads only its own', async () => {
    const r = await a.manifest({ signer: b.identity });
    expect(r.status).toBe(403);
    expect(r.json.error).toBe('FERRY_ERR_AUTH_WRONG_APPLIANCE');
    expect(await refused()).toMatch(/reason="wrong-appliance"\} [1-9]/);
  });

  it('is refused to a stranger, a replay and a signature made for a POST', async () => {
    const stranger = makeIdentity('ma');
    expect((await a.manifest({ signer: stranger })).json.error).toBe('FERRY_ERR_AUTH_BAD_SIGNATURE');

    const path = '/v1/appliances/ma/manifest';
    const once = { authorization: signRequest({ method: 'GET', path }, { id: 'ma', key: a.identity.key }) };
    expect((await a.manifest({ headers: once })).status).toBe(200);
    expect((await a.manifest({ headers: once })).json.error).toBe('FERRY_ERR_AUTH_REPLAYED');

    const post = { authorization: signRequest({ method: 'POST', path }, { id: 'ma', key: a.identity.key }) };
    expect((await a.manifest({ headers: post })).json.error).toBe('FERRY_ERR_AUTH_BAD_SIGNATURE');
  });

  it('is readable by a viewer, for debugging, and 404 for an appliance never heard from', async () => {
    const r = await f.viewer('GET', '/v1/appliances/mb/manifest');
    expect(r.status).toBe(200);
    expect(r.json.applianceId).toBe('mb');
    const none = await f.viewer('GET', '/v1/appliances/nobody/manifest');
    expect(none.status).toBe(404);
    expect(none.json.error).toBe('FERRY_ERR_UNKNOWN_APPLIANCE');
  });

  it('is refused once the appliance is disabled', async () => {
    const c = await f.appliance('mc', 'east', '127.0.0.23');
    await c.beat();
    expect((await c.manifest()).status).toBe(200);
    const off = await rawCall(f.t.base, 'POST', '/v1/appliances/mc/disable', {
      body: '{}',
      headers: { authorization: `Bearer ${f.t.tokens.operator}` },
    });
    expect(off.status).toBe(200);
    const r = await c.manifest();
    expect(r.status).toBe(403);
    expect(r.json.error).toBe('FERRY_ERR_AUTH_DISABLED');
  });
});

describe('the fill view', () => {
  it('needs a viewer token', async () => {
    expect((await rawCall(f.t.base, 'GET', '/v1/appliances/ma/fill')).status).toBe(401);
    const r = await f.viewer('GET', '/v1/appliances/ma/fill');
    expect(r.status).toBe(200);
    expect(r.json.applianceId).toBe('ma');
  });
});
