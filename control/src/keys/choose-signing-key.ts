// Which key control signs new URLs with (docs/tokens.md "Rotation"). The key file's first key
// is what the operator wants; but a URL is only good if the appliance it names can verify it,
// and appliances pick up a new file at their own pace. So control signs with the first key
// of its file (file order) that every serving appliance reports holding: during a rotation
// the new key goes first in the file, and control switches to it once the last appliance
// has reloaded. When no key is held by all (a misconfigured appliance), the key held by
// most serving appliances wins, ties by file order, and the fleet is reported as split.
// Pure: no clock, no I/O; table-tested in control/test/keys-choose-signing-key.test.ts.
import type { HeldKey, KeyEntry } from '@ferry/protocol';

export interface RingKey {
  readonly entry: KeyEntry;
  readonly fingerprint: string;
}

/** A serving appliance's report; `keys` empty or absent: open or not reporting, not counted. */
export interface ServingKeys {
  readonly id: string;
  readonly keys: readonly HeldKey[] | undefined;
}

export interface SigningChoice {
  readonly key: RingKey;
  /** true when every counted appliance holds `key` (or none is counted) */
  readonly agreed: boolean;
  /** appliances counted (serving, reporting keys) */
  readonly counted: number;
  /** of those, how many hold `key` */
  readonly heldBy: number;
  readonly reason: string;
}

export function holdsKey(keys: readonly HeldKey[] | undefined, key: RingKey): boolean {
  return keys?.some((k) => k.id === key.entry.keyId && k.fingerprint === key.fingerprint) ?? false;
}

/** `ring` in file order, never empty. */
export function chooseSigningKey(ring: readonly RingKey[], serving: readonly ServingKeys[]): SigningChoice {
  const first = ring[0];
  if (!first) throw new TypeError('chooseSigningKey: the key ring is empty');
  // An --open appliance serves any URL, and one that does not report keys cannot be judged:
  // neither holds a rotation back.
  const counted = serving.filter((a) => a.keys !== undefined && a.keys.length > 0);
  if (counted.length === 0) {
    return { key: first, agreed: true, counted: 0, heldBy: 0, reason: 'no serving appliance reports keys' };
  }
  let best = first;
  let bestCount = -1;
  for (const key of ring) {
    const n = counted.filter((a) => holdsKey(a.keys, key)).length;
    if (n === counted.length) {
      return { key, agreed: true, counted: counted.length, heldBy: n, reason: `held by all ${n} serving` };
    }
    // Strictly more: a tie keeps the key that comes first in the file.
    if (n > bestCount) {
      best = key;
      bestCount = n;
    }
  }
  return {
    key: best,
    agreed: false,
    counted: counted.length,
    heldBy: bestCount,
    reason: `no key is held by every serving appliance; ${best.entry.keyId} is held by ${bestCount} of ${counted.length}`,
  };
}

/** "k1:AbCdEfGh…": enough of a fingerprint to tell keys apart in a log line or a reason. */
export function describeKey(k: HeldKey): string {
  return `${k.id}:${k.fingerprint.slice(0, 8)}…`;
}

/**
 * Why an appliance cannot verify control's URLs, or undefined when it can (or runs open, or
 * does not report keys). Fed to the health evaluation as an observation.
 */
export function keyMismatch(keys: readonly HeldKey[] | undefined, signing: RingKey): string | undefined {
  if (keys === undefined || keys.length === 0 || holdsKey(keys, signing)) return undefined;
  const has = keys.map(describeKey).join(', ');
  const signs = describeKey({ id: signing.entry.keyId, fingerprint: signing.fingerprint });
  return `holds no key that verifies control's URLs (has ${has}, control signs with ${signs})`;
}
