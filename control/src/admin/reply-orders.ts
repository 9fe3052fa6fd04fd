// What every heartbeat reply carries besides the ingest's answer: the drain control orders
// now (an operator drain or a maintenance window in progress; docs/control.md "Admin state")
// and the key control signs URLs with, which the appliance's `keys` turn-up check compares
// with its own (docs/tokens.md "Which key control signs with"). Added to every reply, stale
// ones included: a reply without `drain` tells the appliance to undrain.
import { type HeartbeatReply, type HeldKey, type KeyEntry, keyFingerprint } from '@ferry/protocol';
import type { ControlModel } from '../model/model.js';

/** One HMAC per key entry, not per heartbeat. */
const fingerprints = new WeakMap<KeyEntry, string>();

export function signingKeyOf(entry: KeyEntry): HeldKey {
  let fp = fingerprints.get(entry);
  if (fp === undefined) {
    fp = keyFingerprint(entry);
    fingerprints.set(entry, fp);
  }
  return { id: entry.keyId, fingerprint: fp };
}

export function withReplyOrders(
  reply: HeartbeatReply,
  id: string,
  model: ControlModel,
  signingKey: (() => KeyEntry) | undefined,
  nowMs = Date.now(),
): HeartbeatReply {
  const drain = model.admin.order(id, nowMs);
  const out: HeartbeatReply = { ...reply };
  if (drain) out.drain = drain;
  if (signingKey) out.signingKey = signingKeyOf(signingKey());
  return out;
}
