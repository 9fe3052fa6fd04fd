// `ferry keys generate`: writes a key file, or with --add rotates one (new key first, the
// previous signing key kept as the second and only other key, so URLs it signed stay valid
// until they expire while everything older is dropped).
import { randomBytes } from 'node:crypto';
import { chmod, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { formatKeyFile, generateKey, type KeyEntry, KeyFileError, parseKeyFile } from './keys.js';

export interface KeysGenerateOptions {
  out: string;
  keyId?: string;
  add?: boolean;
}

/** Most keys kept live after a rotation: the new signing key and the one it replaces. */
export const MAX_LIVE_KEYS = 2;

async function readExisting(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new KeyFileError('FERRY_ERR_KEYS_READ', `cannot read key file ${path}: ${(err as Error).message}`);
  }
}

/** Writes `text` beside `path` with mode 0600, fsyncs, then renames over it. */
export async function writeSecretFileAtomic(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    // The umask may have narrowed the mode further, never widened it; set it exactly.
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

export function rotateKeys(existing: readonly KeyEntry[], fresh: KeyEntry): KeyEntry[] {
  if (existing.some((e) => e.keyId === fresh.keyId)) {
    throw new KeyFileError(
      'FERRY_ERR_KEYS_DUPLICATE_ID',
      `key id "${fresh.keyId}" is already in the file; choose another with --key-id`,
    );
  }
  return [fresh, ...existing].slice(0, MAX_LIVE_KEYS);
}

export async function runKeysGenerate(opts: KeysGenerateOptions): Promise<void> {
  const fresh = generateKey(opts.keyId ?? 'k1');
  const existingText = await readExisting(opts.out);
  let entries: KeyEntry[];
  if (opts.add) {
    const existing = existingText === null ? [] : parseKeyFile(existingText, opts.out);
    entries = rotateKeys(existing, fresh);
  } else {
    if (existingText !== null) {
      // Overwriting would invalidate every URL signed with the old keys at once.
      throw new KeyFileError(
        'FERRY_ERR_KEYS_EXISTS',
        `${opts.out} exists; use --add to rotate, or remove the file to start over`,
      );
    }
    entries = [fresh];
  }
  await writeSecretFileAtomic(opts.out, formatKeyFile(entries));
  const ids = entries.map((e) => e.keyId).join(', ');
  process.stdout.write(`wrote ${opts.out}: signing key ${fresh.keyId}; live keys ${ids}\n`);
}
