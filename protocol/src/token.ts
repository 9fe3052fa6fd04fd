// URL tokens: t = base64url(keyId "." expiry "." HMAC-SHA256(key, fileId "|" expiry "|" clientPrefix)).
// The MAC is the raw 32 bytes, so the decoded token is split at its first two dots only
// (key ids and expiries cannot contain a dot; MAC bytes can). The bound prefix travels in
// the URL as `p` so the appliance knows what to verify; no `p` means the empty prefix, an
// unbound URL. Decisions and examples: docs/tokens.md.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { setBounded } from './bounded-map.js';
import { cidrContains, parseCidr } from './cidr.js';
import { decodeBase64UrlStrict, KEY_ID_PATTERN, type KeyEntry, type KeyRing } from './keys.js';

export type TokenFailure = 'MALFORMED' | 'UNKNOWN_KEY' | 'EXPIRED' | 'BAD_SIGNATURE' | 'WRONG_NETWORK';

export type TokenCheck =
  | { readonly ok: true; readonly keyId: string; readonly expiresAt: number }
  | { readonly ok: false; readonly reason: TokenFailure };

export interface SignTokenInput {
  readonly key: KeyEntry;
  readonly fileId: string;
  /** Unix seconds; the token is refused from this second on. */
  readonly expiresAt: number;
  /** The steering prefix (CIDR) the URL is issued for, or '' for an unbound URL. */
  readonly clientPrefix: string;
}

export interface VerifyTokenInput {
  readonly keys: KeyRing;
  readonly fileId: string;
  /** The URL's `p` parameter, '' when absent. */
  readonly clientPrefix: string;
  /** The connection's address; when given and the prefix is not empty it must lie inside. */
  readonly clientAddress?: string;
  readonly nowSec: number;
}

export const TOKEN_QUERY_PARAM = 't';
export const PREFIX_QUERY_PARAM = 'p';

const MAC_BYTES = 32;
// keyId (32) + '.' + expiry (12) + '.' + MAC (32) = 78 bytes = 104 base64url characters.
const MAX_TOKEN_CHARS = 104;
const EXPIRY_PATTERN = /^(0|[1-9][0-9]{0,11})$/;
const DOT = 0x2e;

function mac(secret: Buffer, fileId: string, expiry: string, clientPrefix: string): Buffer {
  return createHmac('sha256', secret).update(`${fileId}|${expiry}|${clientPrefix}`, 'utf8').digest();
}

// The last prefix found valid: a steering answer signs one token per stream, all for the
// same prefix, so it is parsed once per answer rather than once per token.
let lastGoodPrefix = '';

function checkPrefix(clientPrefix: string): boolean {
  if (clientPrefix === '' || clientPrefix === lastGoodPrefix) return true;
  if (parseCidr(clientPrefix) === null) return false;
  lastGoodPrefix = clientPrefix;
  return true;
}

export function signToken(input: SignTokenInput): string {
  const { key, fileId, expiresAt, clientPrefix } = input;
  if (!KEY_ID_PATTERN.test(key.keyId)) throw new TypeError(`invalid key id "${key.keyId}"`);
  if (!Number.isSafeInteger(expiresAt) || expiresAt < 0 || !EXPIRY_PATTERN.test(String(expiresAt))) {
    throw new TypeError(`expiresAt must be a non-negative integer of unix seconds, got ${expiresAt}`);
  }
  if (!checkPrefix(clientPrefix))
    throw new TypeError(`clientPrefix must be a CIDR or '', got "${clientPrefix}"`);
  const expiry = String(expiresAt);
  const head = Buffer.from(`${key.keyId}.${expiry}.`, 'utf8');
  return Buffer.concat([head, mac(key.secret, fileId, expiry, clientPrefix)]).toString('base64url');
}

interface ParsedToken {
  readonly keyId: string;
  readonly expiry: string;
  readonly mac: Buffer;
}

/** Strict parse: canonical base64url, exactly KEYID "." EXPIRY "." 32 MAC bytes. */
export function parseToken(token: string): ParsedToken | null {
  if (token.length === 0 || token.length > MAX_TOKEN_CHARS) return null;
  const raw = decodeBase64UrlStrict(token);
  if (!raw) return null;
  const dot1 = raw.indexOf(DOT);
  if (dot1 < 0) return null;
  const dot2 = raw.indexOf(DOT, dot1 + 1);
  if (dot2 < 0) return null;
  // latin1 keeps one char per byte, so a non-ASCII byte fails the patterns below.
  const keyId = raw.subarray(0, dot1).toString('latin1');
  const expiry = raw.subarray(dot1 + 1, dot2).toString('latin1');
  const macBytes = raw.subarray(dot2 + 1);
  if (!KEY_ID_PATTERN.test(keyId) || !EXPIRY_PATTERN.test(expiry) || macBytes.length !== MAC_BYTES)
    return null;
  return { keyId, expiry, mac: macBytes };
}

export function verifyToken(token: string, input: VerifyTokenInput): TokenCheck {
  const parsed = parseToken(token);
  if (!parsed || !checkPrefix(input.clientPrefix)) return { ok: false, reason: 'MALFORMED' };
  const key = input.keys.keys.get(parsed.keyId);
  if (!key) return { ok: false, reason: 'UNKNOWN_KEY' };
  const expected = mac(key.secret, input.fileId, parsed.expiry, input.clientPrefix);
  // The signature is checked before the expiry so that only genuine tokens are told "expired".
  if (!timingSafeEqual(expected, parsed.mac)) return { ok: false, reason: 'BAD_SIGNATURE' };
  return finishCheck(parsed.keyId, Number(parsed.expiry), input);
}

/** The query string (without '?') a signed URL carries: `t=…` and, when bound, `p=…`. */
export function tokenQuery(token: string, clientPrefix: string): string {
  // Built by hand, not with URLSearchParams (a steering answer makes one per stream): a token
  // is base64url and a prefix is hex, digits, '.', ':' and '/', so encodeURIComponent gives
  // the same text as the form encoding would.
  const t = `${TOKEN_QUERY_PARAM}=${encodeURIComponent(token)}`;
  return clientPrefix === '' ? t : `${t}&${PREFIX_QUERY_PARAM}=${encodeURIComponent(clientPrefix)}`;
}

/**
 * verifyToken with a bounded memory of tokens whose MAC has been verified: a player fetches
 * many segments of one file with one URL, and the HMAC is most of what checking it costs. An
 * entry is kept for exactly what the MAC covered (token, which holds key id and expiry; file
 * id; prefix) and for the key entry that verified it, so a key that leaves the ring stops a
 * remembered token as it stops a new one. Expiry and the client's network are checked on
 * every use. Failures are not remembered: they cost what they cost, and cannot fill it.
 */
export class TokenVerifier {
  readonly #verified = new Map<string, { key: KeyEntry; keyId: string; expiresAt: number }>();

  constructor(private readonly maxEntries = 10_000) {}

  get size(): number {
    return this.#verified.size;
  }

  verify(token: string, input: VerifyTokenInput): TokenCheck {
    const memo = `${token}|${input.fileId}|${input.clientPrefix}`;
    const hit = this.#verified.get(memo);
    if (hit && input.keys.keys.get(hit.keyId) === hit.key) {
      if (input.nowSec >= hit.expiresAt) this.#verified.delete(memo);
      return finishCheck(hit.keyId, hit.expiresAt, input);
    }
    const check = verifyToken(token, input);
    if (check.ok) {
      const key = input.keys.keys.get(check.keyId)!;
      setBounded(
        this.#verified,
        memo,
        { key, keyId: check.keyId, expiresAt: check.expiresAt },
        this.maxEntries,
      );
    }
    return check;
  }
}

/** The checks after the MAC: expiry, then the client's network. */
function finishCheck(keyId: string, expiresAt: number, input: VerifyTokenInput): TokenCheck {
  if (input.nowSec >= expiresAt) return { ok: false, reason: 'EXPIRED' };
  if (input.clientPrefix !== '' && input.clientAddress !== undefined) {
    if (!cidrContains(input.clientPrefix, input.clientAddress)) return { ok: false, reason: 'WRONG_NETWORK' };
  }
  return { ok: true, keyId, expiresAt };
}
