// The appliance's own credential towards control (docs/security.md): an Ed25519 key pair
// made on the appliance (`ferry keys identity`), whose public half an operator enrolls at
// control. The private key never leaves the appliance's disk (mode 0600); every call to
// control is signed with it (protocol/src/request-signing.ts).
import type { KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import {
  defineErrors,
  FerryError,
  generateSigningKeyPair,
  loadPrivateKey,
  publicKeyText,
  spec,
  writeSecretFileAtomic,
} from '@ferry/protocol';

export const IdentityErrors = defineErrors('appliance-identity', {
  READ: spec('FERRY_ERR_IDENTITY_READ', 500, 'identity key file cannot be read'),
  INVALID: spec('FERRY_ERR_IDENTITY_INVALID', 500, 'identity key file is not an Ed25519 private key'),
  EXISTS: spec('FERRY_ERR_IDENTITY_EXISTS', 500, 'identity key file exists (use --force to replace it)'),
});

export interface IdentityKey {
  readonly key: KeyObject;
  /** base64url raw public key: what `ferry control appliance add --public-key` takes */
  readonly publicKey: string;
}

export async function loadIdentityKey(path: string): Promise<IdentityKey> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (err) {
    throw new FerryError(IdentityErrors.READ, `${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  try {
    const key = loadPrivateKey(pem);
    return { key, publicKey: publicKeyText(key) };
  } catch (err) {
    throw new FerryError(IdentityErrors.INVALID, `${path}: ${(err as Error).message}`);
  }
}

/** Writes a new key pair's private key to `path` (0600, atomic); returns its public key. */
export async function createIdentityKey(path: string, opts: { force?: boolean } = {}): Promise<string> {
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  // A replaced key locks the appliance out of control until it is enrolled again.
  if (exists && !opts.force) throw new FerryError(IdentityErrors.EXISTS, path);
  const pair = generateSigningKeyPair();
  await writeSecretFileAtomic(path, pair.privateKeyPem);
  return pair.publicKey;
}

/** `ferry keys identity --out FILE [--force]` */
export async function runIdentityKeygen(opts: { out: string; force?: boolean }): Promise<void> {
  const publicKey = await createIdentityKey(opts.out, { force: opts.force });
  process.stdout.write(
    `wrote ${opts.out} (keep it on this appliance, mode 0600)\npublic key: ${publicKey}\n` +
      'enroll it at control: ferry control appliance add --id ID --site SITE --public-key KEY …\n',
  );
}
