// `ferry control token create|list|revoke --file F`: the operator token file (hashed tokens,
// see operator-tokens.ts). A running control reloads the file when it changes.
import { readFile } from 'node:fs/promises';
import { writeSecretFileAtomic } from '@ferry/protocol';
import { ConfigError } from '../errors.js';
import {
  createOperatorToken,
  formatTokenFile,
  isRole,
  type OperatorTokenEntry,
  parseTokenFile,
  ROLES,
} from './operator-tokens.js';

async function readEntries(file: string): Promise<OperatorTokenEntry[]> {
  try {
    return parseTokenFile(await readFile(file, 'utf8'), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Adds a token to the file (created if missing) and returns the token, shown only once. */
export async function createTokenInFile(file: string, role: string, name: string): Promise<string> {
  if (!isRole(role)) throw new ConfigError(`--role must be one of ${ROLES.join(', ')}, got "${role}"`);
  const entries = await readEntries(file);
  const { token, entry } = createOperatorToken(role, name);
  await writeSecretFileAtomic(file, formatTokenFile([...entries, entry]));
  return token;
}

export async function runTokenCreate(opts: { file: string; role: string; name: string }): Promise<void> {
  const token = await createTokenInFile(opts.file, opts.role, opts.name);
  process.stdout.write(`${token}\n`);
  process.stderr.write(`added a ${opts.role} token "${opts.name}" to ${opts.file}; it is shown only now\n`);
}

export async function runTokenList(opts: { file: string }): Promise<void> {
  for (const e of await readEntries(opts.file)) process.stdout.write(`${e.id}\t${e.role}\t${e.name}\n`);
}

export async function runTokenRevoke(opts: { file: string; id: string }): Promise<void> {
  const entries = await readEntries(opts.file);
  const kept = entries.filter((e) => e.id !== opts.id);
  if (kept.length === entries.length) throw new ConfigError(`no token with id ${opts.id} in ${opts.file}`);
  await writeSecretFileAtomic(opts.file, formatTokenFile(kept));
  process.stderr.write(`revoked token ${opts.id}\n`);
}
