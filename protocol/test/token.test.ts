import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cidrContains, parseCidr, parseIp } from '../src/cidr.js';
import { createKeyRing, type KeyEntry } from '../src/keys.js';
import { parseToken, signToken, tokenQuery, verifyToken } from '../src/token.js';

const k1: KeyEntry = { keyId: 'k1', secret: Buffer.alloc(32, 1) };
const k2: KeyEntry = { keyId: 'k2', secret: Buffer.alloc(32, 2) };
const ring = createKeyRing([k1]);
const NOW = 1_700_000_000;
const base = { fileId: 'title-1_v1080.mp4', expiresAt: NOW + 600, clientPrefix: '10.1.0.0/16' };
const check = { keys: ring, fileId: base.fileId, clientPrefix: base.clientPrefix, nowSec: NOW };

function flipBit(token: string, byteIndex: number): string {
  const raw = Buffer.from(token, 'base64url');
  raw[byteIndex]! ^= 0x01;
  return raw.toString('base64url');
}

describe('signToken / verifyToken', () => {
  it('accepts a valid token and reports its key and expiry', () => {
    const t = signToken({ key: k1, ...base });
    expect(verifyToken(t, { ...check, clientAddress: '10.1.2.3' })).toEqual({
      ok: true,
      keyId: 'k1',
      expiresAt: base.expiresAt,
    });
  });

  it('follows the documented layout: keyId "." expiry "." raw HMAC over fileId|expiry|prefix', () => {
    const t = signToken({ key: k1, ...base });
    const raw = Buffer.from(t, 'base64url');
    const head = Buffer.from(`k1.${base.expiresAt}.`);
    expect(raw.subarray(0, head.length)).toEqual(head);
    const mac = createHmac('sha256', k1.secret)
      .update(`${base.fileId}|${base.expiresAt}|${base.clientPrefix}`)
      .digest();
    expect(raw.subarray(head.length)).toEqual(mac);
    expect(t).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('refuses an expired token, from the expiry second on', () => {
    const t = signToken({ key: k1, ...base });
    expect(verifyToken(t, { ...check, nowSec: base.expiresAt - 1 }).ok).toBe(true);
    expect(verifyToken(t, { ...check, nowSec: base.expiresAt })).toEqual({ ok: false, reason: 'EXPIRED' });
  });

  it('refuses a token whose MAC has a flipped bit', () => {
    const t = signToken({ key: k1, ...base });
    const len = Buffer.from(t, 'base64url').length;
    for (const i of [len - 32, len - 16, len - 1]) {
      expect(verifyToken(flipBit(t, i), check)).toEqual({ ok: false, reason: 'BAD_SIGNATURE' });
    }
  });

  it('refuses a token signed by another key under a known id', () => {
    const forged = signToken({ key: { keyId: 'k1', secret: Buffer.alloc(32, 9) }, ...base });
    expect(verifyToken(forged, check)).toEqual({ ok: false, reason: 'BAD_SIGNATURE' });
  });

  it('refuses a token whose expiry was extended', () => {
    const t = signToken({ key: k1, ...base });
    const raw = Buffer.from(t, 'base64url');
    const tampered = Buffer.from(
      raw.toString('latin1').replace(`.${base.expiresAt}.`, `.${base.expiresAt + 9}.`),
      'latin1',
    );
    expect(verifyToken(tampered.toString('base64url'), check)).toEqual({
      ok: false,
      reason: 'BAD_SIGNATURE',
    });
  });

  it('refuses a token for another file', () => {
    const t = signToken({ key: k1, ...base });
    expect(verifyToken(t, { ...check, fileId: 'title-1_v720.mp4' })).toEqual({
      ok: false,
      reason: 'BAD_SIGNATURE',
    });
  });

  it('refuses a token presented with another prefix, or with the prefix dropped', () => {
    const t = signToken({ key: k1, ...base });
    expect(verifyToken(t, { ...check, clientPrefix: '10.0.0.0/8' })).toEqual({
      ok: false,
      reason: 'BAD_SIGNATURE',
    });
    expect(verifyToken(t, { ...check, clientPrefix: '' })).toEqual({ ok: false, reason: 'BAD_SIGNATURE' });
  });

  it('refuses a client outside the bound prefix', () => {
    const t = signToken({ key: k1, ...base });
    expect(verifyToken(t, { ...check, clientAddress: '10.2.0.1' })).toEqual({
      ok: false,
      reason: 'WRONG_NETWORK',
    });
    expect(verifyToken(t, { ...check, clientAddress: '2001:db8::1' })).toEqual({
      ok: false,
      reason: 'WRONG_NETWORK',
    });
    expect(verifyToken(t, { ...check, clientAddress: 'garbage' })).toEqual({
      ok: false,
      reason: 'WRONG_NETWORK',
    });
    expect(verifyToken(t, { ...check, clientAddress: '::ffff:10.1.9.9' }).ok).toBe(true);
  });

  it('binds IPv6 prefixes too', () => {
    const p6 = '2001:db8:1::/48';
    const t = signToken({ key: k1, ...base, clientPrefix: p6 });
    const c6 = { ...check, clientPrefix: p6 };
    expect(verifyToken(t, { ...c6, clientAddress: '2001:db8:1:ff::7' }).ok).toBe(true);
    expect(verifyToken(t, { ...c6, clientAddress: '2001:db8:2::7' })).toEqual({
      ok: false,
      reason: 'WRONG_NETWORK',
    });
  });

  it('lets an unbound token (empty prefix) be used from any address', () => {
    const t = signToken({ key: k1, ...base, clientPrefix: '' });
    expect(verifyToken(t, { ...check, clientPrefix: '', clientAddress: '192.0.2.1' }).ok).toBe(true);
  });

  it('refuses a token signed with a key id the ring does not hold', () => {
    const t = signToken({ key: k2, ...base });
    expect(verifyToken(t, check)).toEqual({ ok: false, reason: 'UNKNOWN_KEY' });
  });

  it('verifies tokens from the old key while both keys are live (rotation)', () => {
    const old = signToken({ key: k1, ...base });
    const rotated = createKeyRing([k2, k1]);
    expect(rotated.signing.keyId).toBe('k2');
    expect(verifyToken(old, { ...check, keys: rotated })).toMatchObject({ ok: true, keyId: 'k1' });
    const fresh = signToken({ key: rotated.signing, ...base });
    expect(verifyToken(fresh, { ...check, keys: rotated })).toMatchObject({ ok: true, keyId: 'k2' });
    // Once the old key is retired, its tokens stop working.
    expect(verifyToken(old, { ...check, keys: createKeyRing([k2]) })).toEqual({
      ok: false,
      reason: 'UNKNOWN_KEY',
    });
  });

  it('checks the signature before the expiry, so forgeries are never reported as expired', () => {
    const forged = flipBit(signToken({ key: k1, ...base, expiresAt: NOW - 5 }), 40);
    expect(verifyToken(forged, check)).toEqual({ ok: false, reason: 'BAD_SIGNATURE' });
  });

  it('refuses to sign with bad inputs', () => {
    expect(() => signToken({ key: k1, ...base, expiresAt: 1.5 })).toThrow(TypeError);
    expect(() => signToken({ key: k1, ...base, expiresAt: -1 })).toThrow(TypeError);
    expect(() => signToken({ key: k1, ...base, clientPrefix: '10.1.0.0' })).toThrow(TypeError);
    expect(() => signToken({ key: { keyId: 'a.b', secret: k1.secret }, ...base })).toThrow(TypeError);
  });
});

describe('malformed tokens', () => {
  const good = signToken({ key: k1, ...base });
  const rawGood = Buffer.from(good, 'base64url');
  const mac = rawGood.subarray(rawGood.length - 32);
  const enc = (s: string | Buffer) => Buffer.from(s as string).toString('base64url');
  const withHead = (head: string, m: Buffer = mac) =>
    Buffer.concat([Buffer.from(head, 'latin1'), m]).toString('base64url');

  const cases: Record<string, string> = {
    empty: '',
    'padding added': `${good}=`,
    'standard base64 alphabet': good
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .replace(/^[A-Za-z0-9]/, '+'),
    'space inside': `${good.slice(0, 5)} ${good.slice(5)}`,
    'percent-encoded': encodeURIComponent(`${good}=`),
    'non-canonical trailing bits':
      good.slice(0, -1) + String.fromCharCode(good.charCodeAt(good.length - 1) ^ 1),
    'too long': good + good,
    'no dots': enc('k1'),
    'one dot': enc(`k1.${base.expiresAt}`),
    'empty key id': withHead(`.${base.expiresAt}.`),
    'key id too long': withHead(`${'a'.repeat(33)}.${base.expiresAt}.`),
    'key id with bad char': withHead(`k+1.${base.expiresAt}.`),
    'key id with non-ASCII byte': withHead(`k\xe91.${base.expiresAt}.`),
    'empty expiry': withHead('k1..'),
    'expiry with leading zero': withHead(`k1.0${base.expiresAt}.`),
    'negative expiry': withHead(`k1.-${base.expiresAt}.`),
    'fractional expiry': withHead(`k1.${base.expiresAt}.5.`),
    'hex expiry': withHead('k1.0x10.'),
    'expiry too long': withHead(`k1.${'9'.repeat(13)}.`),
    'MAC too short': withHead(`k1.${base.expiresAt}.`, mac.subarray(1)),
    'MAC too long': withHead(`k1.${base.expiresAt}.`, Buffer.concat([mac, Buffer.from([0])])),
    'MAC missing': enc(`k1.${base.expiresAt}.`),
    'MAC hex-encoded': enc(`k1.${base.expiresAt}.${mac.toString('hex')}`),
  };

  for (const [name, token] of Object.entries(cases)) {
    it(`refuses: ${name}`, () => {
      expect(parseToken(token)).toBeNull();
      expect(verifyToken(token, check)).toEqual({ ok: false, reason: 'MALFORMED' });
    });
  }

  it('accepts MAC bytes that contain dots (split at the first two only)', () => {
    const dotty = Buffer.alloc(32, 0x2e);
    expect(parseToken(withHead(`k1.${base.expiresAt}.`, dotty))).toMatchObject({ keyId: 'k1', mac: dotty });
  });

  it('refuses a malformed prefix parameter', () => {
    for (const p of ['10.1.0.0', '10.1.0.0/33', '10.1.0.0/016', 'fe80::/64%eth0', '10.1.0.0/16 ', 'x']) {
      expect(verifyToken(good, { ...check, clientPrefix: p })).toEqual({ ok: false, reason: 'MALFORMED' });
    }
  });
});

describe('tokenQuery', () => {
  it('carries the prefix as p, URL-encoded, and omits it for unbound URLs', () => {
    expect(tokenQuery('abc', '10.1.0.0/16')).toBe('t=abc&p=10.1.0.0%2F16');
    expect(tokenQuery('abc', '')).toBe('t=abc');
  });
});

describe('cidr', () => {
  const table: [string, string, boolean][] = [
    ['10.1.0.0/16', '10.1.255.255', true],
    ['10.1.0.0/16', '10.2.0.0', false],
    ['10.1.2.3/16', '10.1.0.1', true],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['0.0.0.0/0', '2001:db8::1', false],
    ['192.0.2.128/25', '192.0.2.127', false],
    ['192.0.2.128/25', '192.0.2.200', true],
    ['127.0.0.0/8', '::ffff:127.0.0.1', true],
    ['::ffff:10.0.0.0/104', '10.9.9.9', true],
    ['::ffff:10.0.0.0/104', '11.0.0.1', false],
    ['2001:db8::/32', '2001:DB8:ffff::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['::/0', '::1', true],
    ['fe80::/10', 'fe80::1%eth0', true],
    ['2001:db8::/128', '2001:db8::', true],
    ['2001:db8::/127', '2001:db8::1', true],
    ['2001:db8::/128', '2001:db8::1', false],
    ['10.0.0.0/8', '010.1.1.1', false],
    ['10.0.0.0/8', '10.1.1', false],
    ['10.0.0.0/8', '10.1.1.256', false],
    ['10.0.0.0/8', '', false],
  ];
  for (const [cidr, addr, want] of table) {
    it(`${addr} in ${cidr}: ${want}`, () => expect(cidrContains(cidr, addr)).toBe(want));
  }

  it('parses IPv6 forms strictly', () => {
    expect(parseIp('1:2:3:4:5:6:7:8')).toHaveLength(16);
    expect(parseIp('1::8')).toHaveLength(16);
    expect(parseIp('::ffff:1.2.3.4')).toEqual(new Uint8Array([1, 2, 3, 4]));
    expect(parseIp('64:ff9b::1.2.3.4')).toHaveLength(16);
    for (const bad of [
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      ':1::',
      '1:2:3:4:5:6:7',
      '12345::',
      'g::',
      '1:2:3:4:5:6:7::8',
    ]) {
      expect(parseIp(bad), bad).toBeNull();
    }
  });

  it('refuses malformed prefixes', () => {
    for (const bad of [
      '10.0.0.0',
      '10.0.0.0/',
      '10.0.0.0/-1',
      '10.0.0.0/33',
      '::/129',
      '/8',
      '10.0.0.0/8/8',
      'a/8',
    ]) {
      expect(parseCidr(bad), bad).toBeNull();
    }
  });
});
