// The signing-key rule (control/src/keys/choose-signing-key.ts) on tables: file order first,
// a key every serving appliance holds, else the most held, ties by file order.
import { generateKey, type HeldKey, keyFingerprint } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import {
  chooseSigningKey,
  keyMismatch,
  type RingKey,
  type ServingKeys,
} from '../src/keys/choose-signing-key.js';

const ring = (ids: string[]): RingKey[] =>
  ids.map((id) => {
    const entry = generateKey(id);
    return { entry, fingerprint: keyFingerprint(entry) };
  });
const [k3, k2, k1] = ring(['k3', 'k2', 'k1']) as [RingKey, RingKey, RingKey];
const held = (...ks: RingKey[]): HeldKey[] =>
  ks.map((k) => ({ id: k.entry.keyId, fingerprint: k.fingerprint }));
/** same id as k1, another secret: what an appliance started with another key file reports */
const otherK1: HeldKey = { id: 'k1', fingerprint: 'not-the-same-key' };
const fleet = (...reports: (HeldKey[] | undefined)[]): ServingKeys[] =>
  reports.map((keys, i) => ({ id: `a${i}`, keys }));

interface Row {
  name: string;
  ring: RingKey[];
  serving: ServingKeys[];
  key: RingKey;
  agreed: boolean;
  heldBy?: number;
}

const rows: Row[] = [
  { name: 'no appliance: the file’s first key', ring: [k2, k1], serving: [], key: k2, agreed: true },
  {
    name: 'everyone has both: the first key',
    ring: [k2, k1],
    serving: fleet(held(k2, k1), held(k2, k1)),
    key: k2,
    agreed: true,
  },
  {
    name: 'rotation under way: one appliance has not reloaded, so the old key still signs',
    ring: [k2, k1],
    serving: fleet(held(k2, k1), held(k1)),
    key: k1,
    agreed: true,
  },
  {
    name: 'control reloaded before the appliances: the old key signs',
    ring: [k2, k1],
    serving: fleet(held(k1), held(k1)),
    key: k1,
    agreed: true,
  },
  {
    name: 'file order decides among keys held by all',
    ring: [k3, k2, k1],
    serving: fleet(held(k1, k2), held(k2, k1)),
    key: k2,
    agreed: true,
  },
  {
    name: 'a key of the same id but another secret is not held',
    ring: [k1],
    serving: fleet(held(k1), [otherK1]),
    key: k1,
    agreed: false,
    heldBy: 1,
  },
  {
    name: 'nobody agrees: the most held wins',
    ring: [k2, k1],
    serving: fleet(held(k1), held(k1), held(k2)),
    key: k1,
    agreed: false,
    heldBy: 2,
  },
  {
    name: 'a tie goes to file order',
    ring: [k2, k1],
    serving: fleet(held(k1), held(k2)),
    key: k2,
    agreed: false,
    heldBy: 1,
  },
  {
    name: 'open and silent appliances do not hold a rotation back',
    ring: [k2, k1],
    serving: fleet(held(k2, k1), [], undefined),
    key: k2,
    agreed: true,
  },
  {
    name: 'only open appliances: the first key',
    ring: [k2, k1],
    serving: fleet([], []),
    key: k2,
    agreed: true,
  },
];

describe('chooseSigningKey', () => {
  for (const row of rows) {
    it(row.name, () => {
      const c = chooseSigningKey(row.ring, row.serving);
      expect(c.key.entry.keyId).toBe(row.key.entry.keyId);
      expect(c.agreed).toBe(row.agreed);
      if (row.heldBy !== undefined) expect(c.heldBy).toBe(row.heldBy);
    });
  }

  it('refuses an empty ring', () => {
    expect(() => chooseSigningKey([], [])).toThrow(TypeError);
  });
});

describe('keyMismatch', () => {
  it('names what the appliance has and what control signs with', () => {
    const why = keyMismatch([otherK1], k2);
    expect(why).toBe(
      `holds no key that verifies control's URLs (has k1:not-the-…, control signs with k2:${k2.fingerprint.slice(0, 8)}…)`,
    );
  });

  it('is silent when the appliance holds the key, runs open or reports nothing', () => {
    expect(keyMismatch(held(k2, k1), k1)).toBeUndefined();
    expect(keyMismatch([], k1)).toBeUndefined();
    expect(keyMismatch(undefined, k1)).toBeUndefined();
  });
});
