// The memory of verified tokens must answer exactly as verifyToken does, use after use:
// expiry, the client's network and the key ring are checked every time.
import { describe, expect, it } from 'vitest';
import { createKeyRing, type KeyEntry } from '../src/keys.js';
import { signToken, TokenVerifier, verifyToken } from '../src/token.js';

const k1: KeyEntry = { keyId: 'k1', secret: Buffer.alloc(32, 1) };
const k2: KeyEntry = { keyId: 'k2', secret: Buffer.alloc(32, 2) };
const ring = createKeyRing([k1, k2]);
const NOW = 1_700_000_000;
const base = { fileId: 'title-1_v1080.mp4', expiresAt: NOW + 600, clientPrefix: '10.1.0.0/16' };
const input = { keys: ring, fileId: base.fileId, clientPrefix: base.clientPrefix, nowSec: NOW };

describe('TokenVerifier', () => {
  it('answers as verifyToken on first and later uses, remembering only verified tokens', () => {
    const v = new TokenVerifier();
    const t = signToken({ key: k1, ...base });
    const cases = [
      { ...input, clientAddress: '10.1.2.3' },
      { ...input, clientAddress: '192.0.2.1' },
      { ...input, clientAddress: '10.1.2.3', nowSec: base.expiresAt },
      { ...input, clientAddress: '10.1.2.3', fileId: 'other' },
      { ...input, clientAddress: '10.1.2.3', clientPrefix: '10.0.0.0/8' },
    ];
    for (let round = 0; round < 3; round++) {
      for (const c of cases) expect(v.verify(t, c)).toEqual(verifyToken(t, c));
    }
    expect(v.verify('not-a-token', input)).toEqual({ ok: false, reason: 'MALFORMED' });
    // One entry: the triple the MAC covered (an expired use drops it; the next good use
    // remembers it again); the other file and prefix never verified.
    expect(v.verify(t, cases[0]!).ok).toBe(true);
    expect(v.size).toBe(1);
  });

  it('stops a remembered token once its key leaves the ring or is replaced', () => {
    const v = new TokenVerifier();
    const t = signToken({ key: k2, ...base });
    expect(v.verify(t, input).ok).toBe(true);
    expect(v.verify(t, { ...input, keys: createKeyRing([k1]) })).toEqual({
      ok: false,
      reason: 'UNKNOWN_KEY',
    });
    const replaced = createKeyRing([k1, { keyId: 'k2', secret: Buffer.alloc(32, 9) }]);
    expect(v.verify(t, { ...input, keys: replaced })).toEqual({ ok: false, reason: 'BAD_SIGNATURE' });
  });

  it('holds at most maxEntries tokens, forgetting the oldest first', () => {
    const v = new TokenVerifier(3);
    const tokens = [1, 2, 3, 4, 5].map((n) => signToken({ key: k1, ...base, expiresAt: NOW + n }));
    for (const t of tokens) expect(v.verify(t, input).ok).toBe(true);
    expect(v.size).toBe(3);
    for (const t of tokens) expect(v.verify(t, input).ok).toBe(true);
    expect(v.size).toBe(3);
  });
});
