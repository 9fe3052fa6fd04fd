// Control's signing key at any moment: the key file's ring (reloaded on change and on
// SIGHUP by the caller's ReloadableKeyRing) judged against what the serving appliances in the
// model report holding (choose-signing-key.ts). Read by steering for every URL and by the
// health monitor for every observation.
import { type KeyRing, keyFingerprint } from '@ferry/protocol';
import type { Logger } from 'pino';
import type { ControlModel } from '../model/model.js';
import { chooseSigningKey, type RingKey, type SigningChoice } from './choose-signing-key.js';

/** A ring that may change under us (ReloadableKeyRing), or a fixed one (tests, embedding). */
export type KeySource = KeyRing | { readonly current: KeyRing };

// The choice reads every appliance; recomputing it at most this often bounds that work
// whatever the steering rate, and lags a switch far less than one heartbeat period (1 s).
const RECOMPUTE_MS = 200;

export interface SigningKeysOptions {
  keys: KeySource;
  model: ControlModel;
  logger: Logger;
  /** a heartbeat older than this: the appliance is gone and does not hold a rotation back */
  staleAfterMs: number;
  /** told of every change of signing key, and whether the fleet agrees on it */
  onChoice?(choice: SigningChoice): void;
  nowMs?(): number;
}

export class SigningKeys {
  private ringSeen: KeyRing | undefined;
  private ringKeys: RingKey[] = [];
  private cached: SigningChoice | undefined;
  private cachedAtMs = 0;
  private announced: SigningChoice | undefined;

  constructor(private readonly opts: SigningKeysOptions) {}

  /** The key ring as loaded now (file order). */
  get ring(): KeyRing {
    const k = this.opts.keys;
    return 'current' in k ? k.current : k;
  }

  /** The key to sign with now and why; recomputed at most every 200 ms or after a reload. */
  choice(): SigningChoice {
    const now = this.opts.nowMs?.() ?? Date.now();
    const ring = this.ring;
    if (ring !== this.ringSeen) {
      this.ringSeen = ring;
      this.ringKeys = [...ring.keys.values()].map((entry) => ({ entry, fingerprint: keyFingerprint(entry) }));
      this.cached = undefined;
    }
    if (this.cached && now - this.cachedAtMs < RECOMPUTE_MS) return this.cached;
    // Serving = says it serves and heartbeats, whatever control's verdict: the verdict depends
    // on this choice (an appliance without the signing key is unhealthy), so counting only
    // healthy appliances would be circular, e.g. a fleet started on the old key while the
    // file already lists a new one first would never be healthy to switch back to.
    const serving = this.opts.model
      .listAppliances()
      .filter((a) => a.reportedState === 'serving' && now - a.lastHeartbeatMs <= this.opts.staleAfterMs)
      .map((a) => ({ id: a.id, keys: a.keys }));
    const next = chooseSigningKey(this.ringKeys, serving);
    this.cached = next;
    this.cachedAtMs = now;
    const prev = this.announced;
    if (!prev || prev.key.fingerprint !== next.key.fingerprint || prev.agreed !== next.agreed) {
      this.announced = next;
      this.announce(prev, next);
    }
    return next;
  }

  private announce(prev: SigningChoice | undefined, next: SigningChoice): void {
    this.opts.onChoice?.(next);
    const detail = {
      from: prev?.key.entry.keyId,
      to: next.key.entry.keyId,
      fileFirst: this.ring.signing.keyId,
      heldBy: next.heldBy,
      counted: next.counted,
      reason: next.reason,
    };
    if (next.agreed) this.opts.logger.info(detail, 'signing key chosen');
    else this.opts.logger.warn(detail, 'the fleet disagrees on token keys; signing with the most held');
  }
}
