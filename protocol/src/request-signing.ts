// Signed requests: how an appliance proves who it is on every call to control (and control
// on every command it sends an appliance). Ed25519 over a canonical string, so control keeps
// only public keys: a copy of control's database lets nobody speak as an appliance.
//
//   Authorization: Ferry-Sig v=1,id=east-1,ts=1764547200123,nonce=AAECAwQFBgcICQoLDA0ODw,sig=…
//
// The signature covers "FERRY-SIG-V1\n" METHOD "\n" PATH?QUERY "\n" id "\n" ts "\n" nonce
// "\n" hex(sha256(body)). The timestamp bounds a replay to the allowed clock skew; the nonce,
// remembered by the verifier for that long, refuses a replay inside it. docs/security.md.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { decodeBase64UrlStrict } from './keys.js';

export const SIGNATURE_SCHEME = 'Ferry-Sig';
/** Default largest difference between the signer's clock and the verifier's. */
export const DEFAULT_SKEW_MS = 30_000;
const SIGNER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const NONCE_BYTES = 16;
const SIG_BYTES = 64;
const TS_PATTERN = /^[1-9][0-9]{0,15}$/;
// v, id, ts, nonce, sig: a header with anything else, twice, or out of this order is refused.
const FIELDS = ['v', 'id', 'ts', 'nonce', 'sig'] as const;
const MAX_HEADER_CHARS = 512;

export type SignatureFailure =
  | 'MISSING'
  | 'MALFORMED'
  | 'UNKNOWN_SIGNER'
  | 'CLOCK_SKEW'
  | 'REPLAYED'
  | 'BAD_SIGNATURE';

export interface SignedRequest {
  readonly method: string;
  /** path and query exactly as sent (`/v1/appliances/east-1/heartbeat`) */
  readonly path: string;
  readonly body?: Uint8Array | string;
}

export interface ParsedSignature {
  readonly id: string;
  readonly ts: number;
  readonly nonce: string;
  readonly sig: Buffer;
}

/** Remembers nonces for the skew window; `seen` records the nonce and says if it was known. */
export interface NonceCache {
  seen(signerId: string, nonce: string, nowMs: number): boolean;
}

export type SignatureCheck =
  | { readonly ok: true; readonly id: string }
  | { readonly ok: false; readonly reason: SignatureFailure; readonly id?: string };

export interface SigningKeyPair {
  /** PKCS#8 PEM: the file the signer keeps (mode 0600) */
  readonly privateKeyPem: string;
  /** raw 32-byte Ed25519 public key, base64url: what the verifier registers */
  readonly publicKey: string;
}

export function generateSigningKeyPair(): SigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKeyText(publicKey),
  };
}

/** The base64url raw public key of a private or public Ed25519 key. */
export function publicKeyText(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = pub.export({ format: 'jwk' }) as { x?: string };
  if (!jwk.x) throw new TypeError('not an Ed25519 key');
  return jwk.x;
}

export function loadPrivateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('signing key must be Ed25519');
  return key;
}

/** Parses a registered public key (base64url of 32 raw bytes); null when it is not one. */
export function parsePublicKey(text: string): KeyObject | null {
  const raw = decodeBase64UrlStrict(text);
  if (raw?.length !== 32) return null;
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: text }, format: 'jwk' });
  } catch {
    return null;
  }
}

function bodyDigest(body: Uint8Array | string | undefined): string {
  return createHash('sha256')
    .update(body ?? '')
    .digest('hex');
}

function canonical(req: SignedRequest, id: string, ts: string, nonce: string): Buffer {
  return Buffer.from(
    ['FERRY-SIG-V1', req.method.toUpperCase(), req.path, id, ts, nonce, bodyDigest(req.body)].join('\n'),
    'utf8',
  );
}

/** The Authorization header value for one request. */
export function signRequest(
  req: SignedRequest,
  signer: { id: string; key: KeyObject },
  nowMs = Date.now(),
): string {
  if (!SIGNER_ID.test(signer.id)) throw new TypeError(`invalid signer id "${signer.id}"`);
  const ts = String(Math.floor(nowMs));
  const nonce = randomBytes(NONCE_BYTES).toString('base64url');
  const sig = sign(null, canonical(req, signer.id, ts, nonce), signer.key).toString('base64url');
  return `${SIGNATURE_SCHEME} v=1,id=${signer.id},ts=${ts},nonce=${nonce},sig=${sig}`;
}

/** Strict parse of the header value; null for anything but the exact format. */
export function parseSignature(header: string | undefined): ParsedSignature | null {
  if (header === undefined || header.length > MAX_HEADER_CHARS) return null;
  if (!header.startsWith(`${SIGNATURE_SCHEME} `)) return null;
  const parts = header.slice(SIGNATURE_SCHEME.length + 1).split(',');
  if (parts.length !== FIELDS.length) return null;
  const values: string[] = [];
  for (let i = 0; i < FIELDS.length; i++) {
    const part = parts[i]!;
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq) !== FIELDS[i]) return null;
    values.push(part.slice(eq + 1));
  }
  const [v, id, ts, nonce, sigText] = values as [string, string, string, string, string];
  if (v !== '1' || !SIGNER_ID.test(id) || !TS_PATTERN.test(ts)) return null;
  const nonceBytes = decodeBase64UrlStrict(nonce);
  const sig = decodeBase64UrlStrict(sigText);
  if (!nonceBytes || nonceBytes.length !== NONCE_BYTES || !sig || sig.length !== SIG_BYTES) return null;
  return { id, ts: Number(ts), nonce, sig };
}

export interface VerifyRequestInput {
  readonly header: string | undefined;
  readonly request: SignedRequest;
  /** the signer's registered public key, or undefined when the id is unknown or disabled */
  readonly publicKeyOf: (id: string) => KeyObject | undefined;
  readonly nonces: NonceCache;
  readonly nowMs: number;
  readonly skewMs?: number;
}

/**
 * Checks, in order: the header parses, the signer is known, the clock is within the skew,
 * the signature matches, the nonce is new. The nonce is recorded only for a genuine
 * signature, so a forger cannot use up a signer's nonces.
 */
export function verifyRequest(input: VerifyRequestInput): SignatureCheck {
  if (input.header === undefined || input.header === '') return { ok: false, reason: 'MISSING' };
  const p = parseSignature(input.header);
  if (!p) return { ok: false, reason: 'MALFORMED' };
  const key = input.publicKeyOf(p.id);
  if (!key) return { ok: false, reason: 'UNKNOWN_SIGNER', id: p.id };
  const skew = input.skewMs ?? DEFAULT_SKEW_MS;
  if (Math.abs(input.nowMs - p.ts) > skew) return { ok: false, reason: 'CLOCK_SKEW', id: p.id };
  const data = canonical(input.request, p.id, String(p.ts), p.nonce);
  let good = false;
  try {
    good = verify(null, data, key, p.sig);
  } catch {
    good = false;
  }
  if (!good) return { ok: false, reason: 'BAD_SIGNATURE', id: p.id };
  if (input.nonces.seen(p.id, p.nonce, input.nowMs)) return { ok: false, reason: 'REPLAYED', id: p.id };
  return { ok: true, id: p.id };
}

/**
 * Nonces of the last `windowMs` per signer, bounded: past `maxPerSigner` the oldest go
 * first. A nonce older than the window cannot be replayed anyway (its timestamp is refused).
 */
export class MemoryNonceCache implements NonceCache {
  private readonly bySigner = new Map<string, Map<string, number>>();

  constructor(
    private readonly windowMs = 2 * DEFAULT_SKEW_MS,
    private readonly maxPerSigner = 10_000,
  ) {}

  seen(signerId: string, nonce: string, nowMs: number): boolean {
    let nonces = this.bySigner.get(signerId);
    if (!nonces) {
      nonces = new Map();
      this.bySigner.set(signerId, nonces);
    }
    // Maps iterate in insertion order, so the oldest entries are first.
    for (const [n, at] of nonces) {
      if (nowMs - at <= this.windowMs && nonces.size < this.maxPerSigner) break;
      nonces.delete(n);
    }
    if (nonces.has(nonce)) return true;
    nonces.set(nonce, nowMs);
    return false;
  }
}
