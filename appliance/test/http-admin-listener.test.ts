// Regression: the admin endpoints were served on the viewers' port, so a viewer could drain
// an appliance, and a cross-site "simple request" (POST, text/plain, mode 'no-cors') from
// any viewer's browser could too. They now live on the admin listener only, and admin
// writes need content-type application/json and no Origin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, startFixture } from './support/appliance-fixture.js';
import { adminPost, get, json } from './support/http-client.js';

describe('admin listener', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await startFixture();
  });
  afterAll(() => fx.stop());

  it('is a port of its own', () => {
    expect(fx.app.adminAddress.port).not.toBe(fx.app.address.port);
    expect(fx.app.adminAddress.host).toBe('127.0.0.1');
  });

  it.each([
    ['POST', '/v1/drain?exit=true'],
    ['POST', '/v1/undrain'],
    ['GET', '/v1/status'],
    ['GET', '/v1/routes'],
    ['GET', '/metrics'],
  ])("the viewers' port answers %s %s with 404 and the usual JSON error", async (method, path) => {
    const r = await get(`${fx.url}${path}`, { 'content-type': 'application/json' }, method);
    expect(r.status).toBe(404);
    expect(json(r).error).toBe('FERRY_ERR_NOT_FOUND');
    expect(fx.app.server.state).toBe('serving');
  });

  it("the viewers' port still serves content and /healthz", async () => {
    expect((await get(`${fx.url}/healthz`)).status).toBe(200);
    expect((await get(`${fx.url}/v1/c/f-small`, { Range: 'bytes=0-9' })).status).toBe(206);
  });

  it('serves status, routes, metrics and healthz', async () => {
    expect(json(await get(`${fx.adminUrl}/v1/status`)).id).toBe('test-appliance');
    expect(json(await get(`${fx.adminUrl}/v1/routes`)).bgp).toBe('not configured');
    expect((await get(`${fx.adminUrl}/metrics`)).body.toString()).toContain('ferry_responses_total');
    expect((await get(`${fx.adminUrl}/healthz`)).status).toBe(200);
    expect(json(await get(`${fx.adminUrl}/v1/nothing`)).error).toBe('FERRY_ERR_NOT_FOUND');
  });

  it('refuses a browser simple request (text/plain) with 415 and anything with Origin with 403', async () => {
    const plain = await get(`${fx.adminUrl}/v1/drain?exit=true`, { 'content-type': 'text/plain' }, 'POST');
    expect(plain.status).toBe(415);
    expect(json(plain).error).toBe('FERRY_ERR_ADMIN_CONTENT_TYPE');
    const none = await get(`${fx.adminUrl}/v1/drain`, {}, 'POST');
    expect(none.status).toBe(415);
    const origin = await adminPost(`${fx.adminUrl}/v1/drain`, { origin: 'https://evil.example' });
    expect(origin.status).toBe(403);
    expect(json(origin).error).toBe('FERRY_ERR_ADMIN_ORIGIN');
    expect((await get(`${fx.adminUrl}/v1/drain`)).status).toBe(405);
    expect(fx.app.server.state).toBe('serving');
  });

  it('drains and undrains', async () => {
    const drain = await adminPost(`${fx.adminUrl}/v1/drain`, {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(drain.status).toBe(202);
    expect(json(await get(`${fx.adminUrl}/v1/status`)).state).not.toBe('serving');
    expect(json(await get(`${fx.url}/v1/c/f-small`)).error).toBe('FERRY_ERR_DRAINING');
    // Admin reads keep working while draining, on the admin port.
    expect((await get(`${fx.adminUrl}/healthz`)).status).toBe(503);
    const undrain = await adminPost(`${fx.adminUrl}/v1/undrain`);
    expect(undrain.status).toBe(200);
    expect(json(undrain).state).toBe('serving');
    expect((await get(`${fx.url}/v1/c/f-small`, { Range: 'bytes=0-9' })).status).toBe(206);
    expect((await get(`${fx.url}/healthz`)).status).toBe(200);
  });

  it('refuses to undrain an appliance that is shutting down', async () => {
    fx.app.server.markExiting();
    const r = await adminPost(`${fx.adminUrl}/v1/undrain`);
    expect(r.status).toBe(409);
    expect(json(r).error).toBe('FERRY_ERR_EXITING');
  });
});
