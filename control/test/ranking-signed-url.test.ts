import { randomBytes } from 'node:crypto';
import { createKeyRing, PREFIX_QUERY_PARAM, TOKEN_QUERY_PARAM, verifyToken } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { signedUrl } from '../src/steering/sign.js';

const key = { keyId: 'k1', secret: randomBytes(32) };
const keys = createKeyRing([key]);
const nowSec = 1_700_000_000;

function check(url: string, clientAddress: string, at = nowSec) {
  const u = new URL(url);
  const fileId = u.pathname.split('/').pop()!;
  return verifyToken(u.searchParams.get(TOKEN_QUERY_PARAM)!, {
    keys,
    fileId,
    clientPrefix: u.searchParams.get(PREFIX_QUERY_PARAM) ?? '',
    clientAddress,
    nowSec: at,
  });
}

describe('signedUrl', () => {
  const url = signedUrl({
    baseUrl: 'http://10.0.0.5:8080/',
    fileId: 'title-1_1080p.mp4',
    key,
    expiresAt: nowSec + 300,
    clientPrefix: '198.51.100.0/24',
  });

  it('builds the appliance content path with t and p', () => {
    expect(url).toMatch(
      /^http:\/\/10\.0\.0\.5:8080\/v1\/c\/title-1_1080p\.mp4\?t=[A-Za-z0-9_-]+&p=198\.51\.100\.0%2F24$/,
    );
  });

  it('is accepted for an address inside the prefix, IPv4-mapped form included', () => {
    expect(check(url, '198.51.100.77')).toMatchObject({ ok: true, keyId: 'k1' });
    expect(check(url, '::ffff:198.51.100.77')).toMatchObject({ ok: true });
  });

  it('is refused outside the prefix, after expiry, and for another file', () => {
    expect(check(url, '198.51.101.1')).toEqual({ ok: false, reason: 'WRONG_NETWORK' });
    expect(check(url, '198.51.100.77', nowSec + 300)).toEqual({ ok: false, reason: 'EXPIRED' });
    const other = url.replace('title-1_1080p.mp4', 'title-2_1080p.mp4');
    expect(check(other, '198.51.100.77')).toEqual({ ok: false, reason: 'BAD_SIGNATURE' });
  });

  it('omits p for an unbound URL, which any address may use', () => {
    const open = signedUrl({
      baseUrl: 'http://a:1',
      fileId: 'f',
      key,
      expiresAt: nowSec + 1,
      clientPrefix: '',
    });
    expect(new URL(open).searchParams.has(PREFIX_QUERY_PARAM)).toBe(false);
    expect(check(open, '203.0.113.9')).toMatchObject({ ok: true });
  });

  it('refuses a file id that is not URL-safe', () => {
    expect(() =>
      signedUrl({ baseUrl: 'http://a:1', fileId: '../x', key, expiresAt: nowSec, clientPrefix: '' }),
    ).toThrow(TypeError);
  });
});
