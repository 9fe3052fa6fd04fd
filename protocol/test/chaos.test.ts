import { describe, expect, it } from 'vitest';
import {
  type ChaosOrders,
  checkFaultParams,
  generateSigningKeyPair,
  loadPrivateKey,
  parsePublicKey,
  signChaosOrders,
  verifyChaosOrders,
} from '../src/index.js';

const pair = generateSigningKeyPair();
const key = loadPrivateKey(pair.privateKeyPem);
const pub = parsePublicKey(pair.publicKey)!;
const stranger = loadPrivateKey(generateSigningKeyPair().privateKeyPem);
const NOW = 1_764_547_200_000;
const BOOT = 'AAAAAAAAAAAAAAAA';

const orders = (o: Partial<ChaosOrders> = {}): ChaosOrders => ({
  v: 1,
  applianceId: 'east-1',
  boot: BOOT,
  issuedAtMs: NOW,
  leaseMs: 10_000,
  faults: [{ experimentId: 'x1', kind: 'latency', params: { delayMs: 200 }, remainingMs: 5000 }],
  ...o,
});

const check = (
  signed = signChaosOrders(orders(), key),
  o: { lastIssuedAtMs?: number; nowMs?: number } = {},
) =>
  verifyChaosOrders({
    signed,
    keys: [pub],
    applianceId: 'east-1',
    boot: BOOT,
    nowMs: o.nowMs ?? NOW + 10,
    lastIssuedAtMs: o.lastIssuedAtMs ?? 0,
  });

describe('chaos orders', () => {
  it('accepts orders signed by the chaos key for this appliance and boot', () => {
    const r = check();
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.orders.faults[0]!.kind).toBe('latency');
  });

  it('refuses another key, an edited payload and a malformed signature', () => {
    expect(check(signChaosOrders(orders(), stranger))).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
    const signed = signChaosOrders(orders(), key);
    const edited = { ...signed, payload: signed.payload.replace('"delayMs":200', '"delayMs":9000') };
    expect(check(edited)).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
    expect(check({ ...signed, sig: 'A'.repeat(86) })).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
  });

  it('refuses orders for another appliance, another boot, old ones and replays', () => {
    expect(check(signChaosOrders(orders({ applianceId: 'east-2' }), key))).toMatchObject({
      reason: 'WRONG_APPLIANCE',
    });
    expect(check(signChaosOrders(orders({ boot: 'BBBBBBBBBBBBBBBB' }), key))).toMatchObject({
      reason: 'WRONG_BOOT',
    });
    expect(check(undefined, { nowMs: NOW + 60_000 })).toMatchObject({ reason: 'CLOCK_SKEW' });
    expect(check(undefined, { lastIssuedAtMs: NOW })).toMatchObject({ reason: 'REPLAYED' });
  });

  it('refuses signed orders whose shape or parameters are wrong', () => {
    expect(check(signChaosOrders({ ...orders(), v: 2 } as unknown as ChaosOrders, key))).toMatchObject({
      reason: 'MALFORMED',
    });
    const noDelay = orders({ faults: [{ experimentId: 'x', kind: 'latency', params: {}, remainingMs: 1 }] });
    expect(check(signChaosOrders(noDelay, key))).toMatchObject({ reason: 'MALFORMED' });
  });

  it('names what each kind needs', () => {
    expect(checkFaultParams('throttle', {})).toMatch(/bytesPerSec/);
    expect(checkFaultParams('errors', {})).toMatch(/fraction/);
    expect(checkFaultParams('latency', { delayMs: 10, jitterMs: 20 })).toMatch(/jitter/);
    expect(checkFaultParams('kill', {})).toBeNull();
  });
});
