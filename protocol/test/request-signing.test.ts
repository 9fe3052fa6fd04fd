import { describe, expect, it } from 'vitest';
import {
  generateSigningKeyPair,
  loadPrivateKey,
  MemoryNonceCache,
  parsePublicKey,
  parseSignature,
  seededRandom,
  signRequest,
  verifyRequest,
} from '../src/index.js';

const pair = generateSigningKeyPair();
const key = loadPrivateKey(pair.privateKeyPem);
const pub = parsePublicKey(pair.publicKey)!;
const other = parsePublicKey(generateSigningKeyPair().publicKey)!;
const NOW = 1_764_547_200_000;
const req = { method: 'POST', path: '/v1/appliances/east-1/heartbeat', body: '{"seq":1}' };

function check(header: string | undefined, overrides: Partial<Parameters<typeof verifyRequest>[0]> = {}) {
  return verifyRequest({
    header,
    request: req,
    publicKeyOf: (id) => (id === 'east-1' ? pub : undefined),
    nonces: new MemoryNonceCache(),
    nowMs: NOW,
    ...overrides,
  });
}

describe('signed requests', () => {
  it('verifies a request signed by the registered key', () => {
    expect(pair.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(check(signRequest(req, { id: 'east-1', key }, NOW))).toEqual({ ok: true, id: 'east-1' });
  });

  it('refuses a missing header, an unknown signer and another key', () => {
    expect(check(undefined)).toMatchObject({ ok: false, reason: 'MISSING' });
    expect(check(signRequest(req, { id: 'rogue-1', key }, NOW))).toMatchObject({
      ok: false,
      reason: 'UNKNOWN_SIGNER',
    });
    const h = signRequest(req, { id: 'east-1', key }, NOW);
    expect(check(h, { publicKeyOf: () => other })).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
  });

  it('binds method, path and body', () => {
    const h = signRequest(req, { id: 'east-1', key }, NOW);
    for (const changed of [
      { ...req, method: 'PUT' },
      { ...req, path: '/v1/appliances/east-2/heartbeat' },
      { ...req, body: '{"seq":9007199254740991}' },
      { ...req, body: undefined },
    ]) {
      expect(check(h, { request: changed })).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
    }
  });

  it('refuses a clock beyond the allowed skew either way, and accepts inside it', () => {
    expect(check(signRequest(req, { id: 'east-1', key }, NOW - 30_001))).toMatchObject({
      reason: 'CLOCK_SKEW',
    });
    expect(check(signRequest(req, { id: 'east-1', key }, NOW + 30_001))).toMatchObject({
      reason: 'CLOCK_SKEW',
    });
    expect(check(signRequest(req, { id: 'east-1', key }, NOW - 29_000)).ok).toBe(true);
  });

  it('refuses a replay inside the window, and records nonces only of genuine signatures', () => {
    const nonces = new MemoryNonceCache();
    const h = signRequest(req, { id: 'east-1', key }, NOW);
    const forged = h.replace(/sig=.*/, `sig=${Buffer.alloc(64, 1).toString('base64url')}`);
    expect(check(forged, { nonces })).toMatchObject({ reason: 'BAD_SIGNATURE' });
    expect(check(h, { nonces }).ok).toBe(true);
    expect(check(h, { nonces, nowMs: NOW + 1000 })).toMatchObject({ ok: false, reason: 'REPLAYED' });
  });

  it('keeps the nonce cache bounded', () => {
    const nonces = new MemoryNonceCache(60_000, 100);
    for (let i = 0; i < 1000; i++) nonces.seen('a', `n${i}`, NOW);
    expect(nonces.seen('a', 'n999', NOW)).toBe(true);
    expect(nonces.seen('a', 'n0', NOW)).toBe(false);
  });

  it('parses only the exact format (fields in order, once each, canonical base64url)', () => {
    const h = signRequest(req, { id: 'east-1', key }, NOW);
    const body = h.slice('Ferry-Sig '.length);
    const parts = body.split(',');
    const bad = [
      `Bearer ${body}`,
      `Ferry-Sig  ${body}`,
      `ferry-sig ${body}`,
      `Ferry-Sig ${[parts[1], parts[0], ...parts.slice(2)].join(',')}`,
      `Ferry-Sig ${[...parts, parts[4]].join(',')}`,
      `Ferry-Sig ${parts.slice(0, 4).join(',')}`,
      h.replace('v=1', 'v=2'),
      h.replace(/ts=\d+/, 'ts=0123'),
      h.replace(/ts=\d+/, 'ts=-5'),
      h.replace(/nonce=[^,]+/, 'nonce=AAAA'),
      h.replace('id=east-1', 'id=../x'),
      `${h}=`,
      `${h}A`,
      h + 'x'.repeat(600),
    ];
    for (const b of bad) expect(parseSignature(b), b).toBeNull();
    expect(parseSignature(h)).toMatchObject({ id: 'east-1', ts: NOW });
  });

  it('fuzz: truncations and random byte flips of a valid header never verify', () => {
    const h = signRequest(req, { id: 'east-1', key }, NOW);
    for (let n = 0; n < h.length; n++) expect(check(h.slice(0, n)).ok).toBe(false);
    const rand = seededRandom(7);
    const alphabet = 'AZaz09-_=,. ';
    for (let i = 0; i < 2000; i++) {
      const chars = [...h];
      const flips = 1 + Math.floor(rand() * 3);
      for (let f = 0; f < flips; f++) {
        const at = Math.floor(rand() * chars.length);
        const c = alphabet[Math.floor(rand() * alphabet.length)]!;
        if (chars[at] === c) continue;
        chars[at] = c;
      }
      const mutated = chars.join('');
      if (mutated === h) continue;
      const r = check(mutated);
      // A flip in the ts digits can still parse; it must then fail the signature or the clock.
      expect(r.ok, mutated).toBe(false);
    }
  });

  it('refuses a public key that is not 32 canonical bytes', () => {
    expect(parsePublicKey('abc')).toBeNull();
    expect(parsePublicKey(`${pair.publicKey}A`)).toBeNull();
    expect(parsePublicKey(pair.publicKey)).not.toBeNull();
  });
});
