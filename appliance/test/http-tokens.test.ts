// URL tokens end to end: an appliance with a key file verifies ?t= (and the bound prefix p).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatKeyFile, generateKey, signToken, tokenQuery } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, startFixture } from './support/appliance-fixture.js';
import { get, json } from './support/http-client.js';

describe('URL tokens', () => {
  let fx: Fixture;
  let keyDir: string;
  const key = generateKey('k1');
  const otherKey = generateKey('k2');
  const now = () => Math.floor(Date.now() / 1000);
  const fetchWith = (query: string, file = 'f-small') =>
    get(`${fx.url}/v1/c/${file}?${query}`, { Range: 'bytes=0-9' });

  beforeAll(async () => {
    keyDir = mkdtempSync(join(tmpdir(), 'ferry-keys-'));
    const keyFile = join(keyDir, 'keys');
    writeFileSync(keyFile, formatKeyFile([key]), { mode: 0o600 });
    fx = await startFixture({
      files: { 'f-small': 1000, 'f-other': 1000 },
      config: { open: false, tokenKeyFile: keyFile },
    });
  });
  afterAll(async () => {
    await fx.stop();
    rmSync(keyDir, { recursive: true, force: true });
  });

  const sign = (o: { fileId?: string; expiresAt?: number; prefix?: string; k?: typeof key } = {}) =>
    tokenQuery(
      signToken({
        key: o.k ?? key,
        fileId: o.fileId ?? 'f-small',
        expiresAt: o.expiresAt ?? now() + 60,
        clientPrefix: o.prefix ?? '',
      }),
      o.prefix ?? '',
    );

  it('serves with a valid token, unbound or bound to the client network', async () => {
    expect((await fetchWith(sign())).status).toBe(206);
    expect((await fetchWith(sign({ prefix: '127.0.0.0/8' }))).status).toBe(206);
  });

  it.each([
    ['missing', () => '', 'FERRY_ERR_TOKEN_MISSING'],
    ['expired', () => sign({ expiresAt: now() - 1 }), 'FERRY_ERR_TOKEN_EXPIRED'],
    [
      'forged (other key, same id)',
      () => sign({ k: { keyId: 'k1', secret: otherKey.secret } }),
      'FERRY_ERR_TOKEN_BAD_SIGNATURE',
    ],
    ['unknown key', () => sign({ k: otherKey }), 'FERRY_ERR_TOKEN_UNKNOWN_KEY'],
    ['for another file', () => sign({ fileId: 'f-other' }), 'FERRY_ERR_TOKEN_BAD_SIGNATURE'],
    ['garbage', () => 't=%%%', 'FERRY_ERR_TOKEN_MALFORMED'],
    ['outside the bound network', () => sign({ prefix: '10.0.0.0/8' }), 'FERRY_ERR_TOKEN_WRONG_NETWORK'],
    [
      'with the prefix swapped',
      () => sign({ prefix: '10.0.0.0/8' }).replace(/p=[^&]+/, 'p=127.0.0.0%2F8'),
      'FERRY_ERR_TOKEN_BAD_SIGNATURE',
    ],
  ])('refuses a %s token with 403', async (_name, query, code) => {
    const r = await fetchWith(query());
    expect(r.status).toBe(403);
    expect(json(r).error).toBe(code);
  });
});
