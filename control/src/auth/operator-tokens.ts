// Operator API tokens: who may change control (catalog, appliance admin, chaos, fill) and
// who may read what exposes the fleet (events, routes). A token is shown once, when it is
// created; control keeps only its sha256, in a token file beside the key file:
//
//   # ferry operator tokens: ID ROLE SHA256HEX NAME
//   k3J9x2Qa admin 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8 alice
//
// The token itself is `fop_` ID `_` SECRET (SECRET: 32 random bytes, base64url), so a
// leaked token is recognisable in logs and a file leak gives nobody a token.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { CommonErrors, FerryError } from '@ferry/protocol';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface OperatorTokenEntry {
  readonly id: string;
  readonly role: Role;
  /** sha256 of the secret, 32 bytes */
  readonly hash: Buffer;
  readonly name: string;
}

const TOKEN_ID = /^[A-Za-z0-9]{8}$/;
const NAME = /^[A-Za-z0-9._@-]{1,64}$/;
const TOKEN = /^fop_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{43})$/;
const ID_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** viewer < operator < admin: a role allows what every weaker role allows. */
export function roleAllows(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** A new token and the entry that stores it (the token is not recoverable from the entry). */
export function createOperatorToken(role: Role, name: string): { token: string; entry: OperatorTokenEntry } {
  if (!NAME.test(name)) throw new TypeError(`token name must be 1-64 of [A-Za-z0-9._@-], got "${name}"`);
  const idBytes = randomBytes(8);
  const id = [...idBytes].map((b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');
  const secret = randomBytes(32).toString('base64url');
  return { token: `fop_${id}_${secret}`, entry: { id, role, hash: sha256(secret), name } };
}

export function formatTokenFile(entries: readonly OperatorTokenEntry[]): string {
  const lines = ['# ferry operator tokens: ID ROLE SHA256HEX NAME (the tokens themselves are not stored)'];
  for (const e of entries) lines.push(`${e.id} ${e.role} ${e.hash.toString('hex')} ${e.name}`);
  return `${lines.join('\n')}\n`;
}

function fileError(message: string): FerryError {
  return new FerryError(CommonErrors.CONFIG, message, { replaceMessage: true });
}

export function parseTokenFile(text: string, source = 'token file'): OperatorTokenEntry[] {
  const out: OperatorTokenEntry[] = [];
  const ids = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [id, role, hash, name, ...rest] = line.split(/[ \t]+/);
    const where = `${source} line ${i + 1}`;
    if (rest.length > 0 || !id || !role || !hash || !name) {
      throw fileError(`${where}: expected ID ROLE SHA256HEX NAME`);
    }
    if (!TOKEN_ID.test(id)) throw fileError(`${where}: bad token id`);
    if (!isRole(role)) throw fileError(`${where}: role must be one of ${ROLES.join(', ')}`);
    if (!/^[0-9a-f]{64}$/.test(hash)) throw fileError(`${where}: hash must be 64 hex digits`);
    if (!NAME.test(name)) throw fileError(`${where}: bad name`);
    if (ids.has(id)) throw fileError(`${where}: token id ${id} appears twice`);
    ids.add(id);
    out.push({ id, role, hash: Buffer.from(hash, 'hex'), name });
  });
  return out;
}

export type TokenCheck =
  | { readonly ok: true; readonly entry: OperatorTokenEntry }
  | { readonly ok: false; readonly reason: 'MISSING' | 'MALFORMED' | 'UNKNOWN' };

/** Checks an `Authorization: Bearer fop_…` value against the entries (timing-safe). */
export function checkOperatorToken(
  authorization: string | undefined,
  entries: ReadonlyMap<string, OperatorTokenEntry>,
): TokenCheck {
  if (!authorization) return { ok: false, reason: 'MISSING' };
  const m = /^Bearer (\S+)$/.exec(authorization);
  const t = m ? TOKEN.exec(m[1]!) : null;
  if (!t) return { ok: false, reason: 'MALFORMED' };
  const entry = entries.get(t[1]!);
  // Hash even for an unknown id so that timing does not tell which ids exist.
  const got = sha256(t[2]!);
  if (!entry || !timingSafeEqual(got, entry.hash)) return { ok: false, reason: 'UNKNOWN' };
  return { ok: true, entry };
}
