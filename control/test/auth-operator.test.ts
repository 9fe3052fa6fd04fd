// Operator tokens on a real control app: catalog and enrollment need `operator`, fleet reads
// need `viewer`, steering, titles, health, metrics and docs stay open; the token file is
// reloaded when it changes; without a file every protected call is refused.
import { rename, writeFile } from 'node:fs/promises';
import { eventually } from '@ferry/harness';
import { generateSigningKeyPair } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenInFile } from '../src/auth/token-cli.js';
import { ONE_TITLE_CATALOG, rawCall, startTestControl, type TestControl } from './support/test-control.js';

let t: TestControl;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const catalogBody = JSON.stringify(ONE_TITLE_CATALOG);

beforeAll(async () => {
  t = await startTestControl();
});

afterAll(async () => {
  await t?.close();
});

async function replaceFile(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

describe('operator tokens', () => {
  it('refuses a catalog upload without a token (401) and with a viewer token (403), changing nothing', async () => {
    expect(await rawCall(t.base, 'POST', '/v1/catalog', { body: catalogBody })).toMatchObject({
      status: 401,
      json: { error: 'FERRY_ERR_AUTH_REQUIRED' },
    });
    expect(
      await rawCall(t.base, 'POST', '/v1/catalog', { body: catalogBody, headers: bearer(t.tokens.viewer) }),
    ).toMatchObject({ status: 403, json: { error: 'FERRY_ERR_AUTH_FORBIDDEN' } });
    const forged = `fop_${t.tokens.admin.slice(4, 12)}_${'A'.repeat(43)}`;
    expect(
      await rawCall(t.base, 'POST', '/v1/catalog', { body: catalogBody, headers: bearer(forged) }),
    ).toMatchObject({ status: 401, json: { error: 'FERRY_ERR_AUTH_BAD_TOKEN' } });
    expect((await rawCall(t.base, 'GET', '/v1/titles/t1')).status).toBe(404);
    expect(await t.store.getCatalog()).toBeUndefined();
  });

  it('takes a catalog from an operator token', async () => {
    const r = await rawCall(t.base, 'POST', '/v1/catalog', {
      body: catalogBody,
      headers: bearer(t.tokens.operator),
    });
    expect(r).toEqual({ status: 200, json: { titles: 1, streams: 1 } });
    expect((await rawCall(t.base, 'GET', '/v1/titles/t1')).status).toBe(200);
  });

  it('lets a viewer read the fleet, and nobody without a token', async () => {
    for (const path of [
      '/v1/appliances',
      '/v1/appliances/ghost',
      '/v1/events',
      '/v1/routes/lookup?ip=10.0.0.1',
      '/v1/sites/ghost/route-consistency',
    ]) {
      expect((await rawCall(t.base, 'GET', path)).json.error, path).toBe('FERRY_ERR_AUTH_REQUIRED');
      expect(
        (await rawCall(t.base, 'GET', path, { headers: bearer(t.tokens.viewer) })).status,
        path,
      ).not.toBe(401);
    }
  });

  it('leaves steering, titles, health, metrics and docs open', async () => {
    const steer = await rawCall(t.base, 'POST', '/v1/steer', { body: JSON.stringify({ titleId: 't1' }) });
    expect(steer.json.error).toBe('FERRY_ERR_NO_APPLIANCE');
    for (const path of ['/v1/titles/t1', '/healthz', '/metrics', '/docs/json']) {
      expect((await rawCall(t.base, 'GET', path)).status, path).toBe(200);
    }
    const docs = await rawCall(t.base, 'GET', '/docs/json');
    expect(Object.keys(docs.json.components.securitySchemes).sort()).toEqual([
      'applianceSignature',
      'operatorToken',
    ]);
    expect(docs.json.paths['/v1/catalog'].post.security).toEqual([{ operatorToken: [] }]);
  });

  it('enrolls: 201 new, 200 same key, 409 another key, 400 a bad key, 403 for a viewer', async () => {
    const key = generateSigningKeyPair().publicKey;
    const body = (publicKey: string) => JSON.stringify({ id: 'west-1', site: 'west', publicKey });
    const as = (token: string, publicKey = key) =>
      rawCall(t.base, 'POST', '/v1/appliances', { body: body(publicKey), headers: bearer(token) });
    expect((await as(t.tokens.viewer)).json.error).toBe('FERRY_ERR_AUTH_FORBIDDEN');
    expect(await as(t.tokens.operator)).toMatchObject({
      status: 201,
      json: { id: 'west-1', site: 'west', publicKey: key, urlHosts: [], disabled: false },
    });
    expect((await as(t.tokens.operator)).status).toBe(200);
    expect(await as(t.tokens.operator, generateSigningKeyPair().publicKey)).toMatchObject({
      status: 409,
      json: { error: 'FERRY_ERR_APPLIANCE_EXISTS' },
    });
    // 43 characters that are not canonical base64url of 32 bytes.
    expect((await as(t.tokens.operator, `${'A'.repeat(42)}_`)).json.error).toBe('FERRY_ERR_BAD_PUBLIC_KEY');
    const list = await rawCall(t.base, 'GET', '/v1/appliances', { headers: bearer(t.tokens.viewer) });
    expect(list.json.identities.map((i: { id: string }) => i.id)).toEqual(['west-1']);
    expect(
      (await rawCall(t.base, 'DELETE', '/v1/appliances/west-1', { headers: bearer(t.tokens.viewer) })).status,
    ).toBe(403);
    expect((await rawCall(t.base, 'POST', '/v1/appliances/west-1/disable', { body: '{}' })).status).toBe(401);
    expect(
      (
        await rawCall(t.base, 'POST', '/v1/appliances/ghost/disable', {
          body: '{}',
          headers: bearer(t.tokens.admin),
        })
      ).json.error,
    ).toBe('FERRY_ERR_UNKNOWN_IDENTITY');
  });

  it('counts refusals', async () => {
    const text = await (await fetch(`${t.base}/metrics`)).text();
    for (const reason of ['token-missing', 'token-bad', 'forbidden']) {
      expect(text).toMatch(new RegExp(`ferry_control_auth_refused_total\\{reason="${reason}"\\} [1-9]`));
    }
  });

  it('follows the token file: a token added works, a revoked one stops, a broken file keeps the old set', async () => {
    const added = await createTokenInFile(t.tokens.file, 'viewer', 'added-later');
    await eventually(
      async () =>
        expect((await rawCall(t.base, 'GET', '/v1/events', { headers: bearer(added) })).status).toBe(200),
      { timeoutMs: 5000, intervalMs: 50 },
    );
    // Replaced whole (temp + rename, as `ferry control token create` does): the file's poller
    // must never see it half written, truncated to nothing, which is a valid empty set.
    await replaceFile(t.tokens.file, 'this is not a token file\n');
    expect(await t.control.access.reload()).toBe(false);
    expect((await rawCall(t.base, 'GET', '/v1/events', { headers: bearer(added) })).status).toBe(200);
    await replaceFile(t.tokens.file, '# empty\n');
    expect(await t.control.access.reload()).toBe(true);
    expect((await rawCall(t.base, 'GET', '/v1/events', { headers: bearer(added) })).json.error).toBe(
      'FERRY_ERR_AUTH_BAD_TOKEN',
    );
  });
});

describe('without --operator-tokens', () => {
  let bare: TestControl;
  beforeAll(async () => {
    bare = await startTestControl({ tokens: false });
  });
  afterAll(async () => {
    await bare?.close();
  });

  it('refuses every protected call, with or without a token', async () => {
    expect((await rawCall(bare.base, 'GET', '/v1/appliances')).json.error).toBe('FERRY_ERR_AUTH_REQUIRED');
    const r = await rawCall(bare.base, 'POST', '/v1/catalog', {
      body: catalogBody,
      headers: bearer(bare.tokens.admin),
    });
    expect(r).toMatchObject({ status: 401, json: { error: 'FERRY_ERR_AUTH_BAD_TOKEN' } });
    expect((await rawCall(bare.base, 'GET', '/healthz')).status).toBe(200);
  });
});
