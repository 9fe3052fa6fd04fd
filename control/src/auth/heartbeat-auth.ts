// Who may send a heartbeat, and what it may claim (docs/security.md): a signature by an
// enrolled appliance's key (request-signing.ts), for its own id, not disabled; then, once
// the body is parsed, its enrolled site and an http(s) url on its enrolled address. Every
// check runs before anything is stored or probed. Pure but for the nonce cache.
import {
  type NonceCache,
  parseIpv4,
  parseSignature,
  type SignatureFailure,
  type SignedRequest,
  verifyRequest,
} from '@ferry/protocol';
import { type ErrorSpec, Errors } from '../errors.js';
import type { IdentityIndex } from '../model/identities.js';
import type { ApplianceIdentity } from '../state/store.js';

export interface Refusal {
  readonly spec: ErrorSpec;
  /** metric label and log field */
  readonly reason: string;
  readonly detail: string;
}

const SIGNATURE_REFUSALS: Record<SignatureFailure, { spec: ErrorSpec; reason: string }> = {
  MISSING: { spec: Errors.AUTH_SIGNATURE_MISSING, reason: 'signature-missing' },
  MALFORMED: { spec: Errors.AUTH_SIGNATURE_MALFORMED, reason: 'signature-malformed' },
  UNKNOWN_SIGNER: { spec: Errors.AUTH_UNKNOWN_SIGNER, reason: 'unknown-signer' },
  CLOCK_SKEW: { spec: Errors.AUTH_CLOCK_SKEW, reason: 'clock-skew' },
  REPLAYED: { spec: Errors.AUTH_REPLAYED, reason: 'replayed' },
  BAD_SIGNATURE: { spec: Errors.AUTH_BAD_SIGNATURE, reason: 'bad-signature' },
};

/**
 * What can be refused from the header alone, before the body is read: no signature, a
 * malformed one, or a signer nobody enrolled. A heartbeat may carry hundreds of megabytes
 * of routes; a stranger does not get them buffered.
 */
export function checkHeaderEarly(
  authorization: string | undefined,
  identities: IdentityIndex,
): Refusal | undefined {
  if (authorization === undefined || authorization === '') {
    return { ...SIGNATURE_REFUSALS.MISSING, detail: 'MISSING' };
  }
  const parsed = parseSignature(authorization);
  if (!parsed) return { ...SIGNATURE_REFUSALS.MALFORMED, detail: 'MALFORMED' };
  if (!identities.get(parsed.id))
    return { ...SIGNATURE_REFUSALS.UNKNOWN_SIGNER, detail: `signer ${parsed.id}` };
  return undefined;
}

export interface SignerCheckInput {
  readonly authorization: string | undefined;
  readonly request: SignedRequest;
  /** the id in the path */
  readonly applianceId: string;
  readonly identities: IdentityIndex;
  readonly nonces: NonceCache;
  readonly nowMs: number;
}

export type SignerCheck =
  | { readonly ok: true; readonly identity: ApplianceIdentity }
  | { readonly ok: false; readonly refusal: Refusal };

export function checkSigner(input: SignerCheckInput): SignerCheck {
  const check = verifyRequest({
    header: input.authorization,
    request: input.request,
    // A disabled appliance's key still proves who it is: the refusal is then 403, not 401.
    publicKeyOf: (id) => input.identities.get(id)?.key,
    nonces: input.nonces,
    nowMs: input.nowMs,
  });
  if (!check.ok) {
    const r = SIGNATURE_REFUSALS[check.reason];
    return { ok: false, refusal: { ...r, detail: check.id ? `signer ${check.id}` : check.reason } };
  }
  if (check.id !== input.applianceId) {
    return {
      ok: false,
      refusal: {
        spec: Errors.AUTH_WRONG_APPLIANCE,
        reason: 'wrong-appliance',
        detail: `signed by ${check.id} for ${input.applianceId}`,
      },
    };
  }
  const identity = input.identities.get(check.id)!.identity;
  if (identity.disabled) {
    return { ok: false, refusal: { spec: Errors.AUTH_DISABLED, reason: 'disabled', detail: check.id } };
  }
  return { ok: true, identity };
}

/** `[::1]` → `::1`, `::ffff:10.0.0.1` → `10.0.0.1`, lower case: one spelling per address. */
export function normalizeHost(host: string): string {
  let h = host.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.startsWith('::ffff:') && parseIpv4(h.slice(7))) h = h.slice(7);
  return h;
}

/** Why `url` is not an address this appliance may name, or undefined when it is. */
export function urlRefusal(
  url: string,
  identity: ApplianceIdentity,
  sourceAddress: string,
): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `scheme ${u.protocol} is not http(s)`;
  if (u.username !== '' || u.password !== '') return 'a url with user info';
  const host = normalizeHost(u.hostname);
  if (identity.urlHosts.length > 0) {
    return identity.urlHosts.some((h) => normalizeHost(h) === host)
      ? undefined
      : `host ${host} is not among the enrolled hosts`;
  }
  const source = normalizeHost(sourceAddress);
  return host === source ? undefined : `host ${host} is not the heartbeat's source address ${source}`;
}

/** The body's claims against the enrollment: site and url. */
export function checkClaims(
  hb: { site: string; url: string },
  identity: ApplianceIdentity,
  sourceAddress: string,
): Refusal | undefined {
  if (hb.site !== identity.site) {
    return {
      spec: Errors.AUTH_WRONG_SITE,
      reason: 'wrong-site',
      detail: `site ${hb.site}, enrolled in ${identity.site}`,
    };
  }
  const why = urlRefusal(hb.url, identity, sourceAddress);
  if (why) return { spec: Errors.AUTH_URL_NOT_ALLOWED, reason: 'url-not-allowed', detail: why };
  return undefined;
}
