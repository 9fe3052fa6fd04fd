// URL token keys: a small text file shared by control (which signs) and appliances (which
// verify). Format, one key per line: `KEYID SECRET`, SECRET = base64url of >= 32 random
// bytes, `#` starts a comment line. The first key signs; every key verifies, so during a
// rotation the old key keeps URLs it signed working until they expire (docs/tokens.md).
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { defineErrors, spec } from './error-catalogue.js';

export interface KeyEntry {
  readonly keyId: string;
  readonly secret: Buffer;
}

export interface KeyRing {
  /** The key new tokens are signed with (the first line of the file). */
  readonly signing: KeyEntry;
  /** Every live key by id, the signing key included. */
  readonly keys: ReadonlyMap<string, KeyEntry>;
}

export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
export const MIN_SECRET_BYTES = 32;
// Far above any sensible key; stops a wrong file (a video, say) from being read as keys.
const MAX_SECRET_BYTES = 1024;
const MAX_KEY_FILE_BYTES = 64 * 1024;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Operator-facing (CLI, start-up): the status is 500 wherever one is shown. */
export const KeyErrors = defineErrors('keys', {
  READ: spec('FERRY_ERR_KEYS_READ', 500, 'key file cannot be read'),
  TOO_LARGE: spec('FERRY_ERR_KEYS_TOO_LARGE', 500, 'key file is too large to be a key file'),
  EMPTY: spec('FERRY_ERR_KEYS_EMPTY', 500, 'key file holds no keys'),
  BAD_LINE: spec('FERRY_ERR_KEYS_BAD_LINE', 500, 'key file line is not `KEYID SECRET`'),
  BAD_ID: spec('FERRY_ERR_KEYS_BAD_ID', 500, 'key id must be 1-32 of [A-Za-z0-9_-]'),
  BAD_SECRET: spec('FERRY_ERR_KEYS_BAD_SECRET', 500, 'key secret is not canonical base64url'),
  SHORT_SECRET: spec('FERRY_ERR_KEYS_SHORT_SECRET', 500, 'key secret is shorter than 32 bytes'),
  DUPLICATE_ID: spec('FERRY_ERR_KEYS_DUPLICATE_ID', 500, 'key id appears twice'),
  EXISTS: spec('FERRY_ERR_KEYS_EXISTS', 500, 'key file exists (use --add to rotate)'),
});

export type KeyFileErrorCode = (typeof KeyErrors)[keyof typeof KeyErrors]['code'];

export class KeyFileError extends Error {
  readonly code: KeyFileErrorCode;

  constructor(code: KeyFileErrorCode, message: string) {
    super(message);
    this.name = 'KeyFileError';
    this.code = code;
  }
}

/** Decodes canonical unpadded base64url only: anything else is a typo, not a key. */
export function decodeBase64UrlStrict(text: string): Buffer | null {
  if (!BASE64URL.test(text)) return null;
  const buf = Buffer.from(text, 'base64url');
  return buf.toString('base64url') === text ? buf : null;
}

export function createKeyRing(entries: readonly KeyEntry[], source = 'key ring'): KeyRing {
  const first = entries[0];
  if (!first) throw new KeyFileError('FERRY_ERR_KEYS_EMPTY', `${source}: no keys`);
  const keys = new Map<string, KeyEntry>();
  for (const entry of entries) {
    if (keys.has(entry.keyId)) {
      throw new KeyFileError(
        'FERRY_ERR_KEYS_DUPLICATE_ID',
        `${source}: key id "${entry.keyId}" appears twice`,
      );
    }
    keys.set(entry.keyId, entry);
  }
  return { signing: first, keys };
}

/** Parses key file text; `source` (usually the path) prefixes every error message. */
export function parseKeyFile(text: string, source = 'key file'): KeyEntry[] {
  const entries: KeyEntry[] = [];
  const seen = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const where = `${source} line ${i + 1}`;
    const fields = line.split(/[ \t]+/);
    if (fields.length !== 2) {
      throw new KeyFileError(
        'FERRY_ERR_KEYS_BAD_LINE',
        `${where}: expected "KEYID SECRET", found ${fields.length} field(s)`,
      );
    }
    const [keyId, secretText] = fields as [string, string];
    if (!KEY_ID_PATTERN.test(keyId)) {
      throw new KeyFileError('FERRY_ERR_KEYS_BAD_ID', `${where}: key id must match [A-Za-z0-9_-]{1,32}`);
    }
    const earlier = seen.get(keyId);
    if (earlier !== undefined) {
      throw new KeyFileError(
        'FERRY_ERR_KEYS_DUPLICATE_ID',
        `${where}: key id "${keyId}" already on line ${earlier}`,
      );
    }
    const secret = decodeBase64UrlStrict(secretText);
    if (!secret || secret.length > MAX_SECRET_BYTES) {
      throw new KeyFileError(
        'FERRY_ERR_KEYS_BAD_SECRET',
        `${where}: secret is not canonical unpadded base64url`,
      );
    }
    if (secret.length < MIN_SECRET_BYTES) {
      throw new KeyFileError(
        'FERRY_ERR_KEYS_SHORT_SECRET',
        `${where}: secret is ${secret.length} bytes, at least ${MIN_SECRET_BYTES} are required`,
      );
    }
    seen.set(keyId, i + 1);
    entries.push({ keyId, secret });
  }
  return entries;
}

export async function loadKeyRing(path: string): Promise<KeyRing> {
  let text: Buffer;
  try {
    text = await readFile(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new KeyFileError('FERRY_ERR_KEYS_READ', `cannot read key file ${path}: ${e.code ?? e.message}`);
  }
  if (text.length > MAX_KEY_FILE_BYTES) {
    throw new KeyFileError(
      'FERRY_ERR_KEYS_TOO_LARGE',
      `${path}: key file is larger than ${MAX_KEY_FILE_BYTES} bytes`,
    );
  }
  const entries = parseKeyFile(text.toString('utf8'), path);
  if (entries.length === 0) throw new KeyFileError('FERRY_ERR_KEYS_EMPTY', `${path}: no keys in file`);
  return createKeyRing(entries, path);
}

export function generateKey(keyId: string): KeyEntry {
  if (!KEY_ID_PATTERN.test(keyId)) {
    throw new KeyFileError('FERRY_ERR_KEYS_BAD_ID', `key id "${keyId}" must match [A-Za-z0-9_-]{1,32}`);
  }
  return { keyId, secret: randomBytes(MIN_SECRET_BYTES) };
}

export function formatKeyFile(entries: readonly KeyEntry[]): string {
  const header = [
    '# Ferry URL token keys (docs/tokens.md). Secret: keep mode 0600.',
    '# The first key signs new tokens; every key listed verifies.',
  ];
  const lines = entries.map((e) => `${e.keyId} ${e.secret.toString('base64url')}`);
  return `${[...header, ...lines].join('\n')}\n`;
}
