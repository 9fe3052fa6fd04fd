// Control's chaos key (`--chaos-key FILE`): the Ed25519 private key that signs chaos orders,
// as `ferry keys identity --out FILE` writes it. Appliances hold its public half
// (`--chaos-verify-key`), which control logs at start for the operator to copy.
import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { loadPrivateKey, publicKeyText } from '@ferry/protocol';
import { ConfigError } from '../errors.js';

export interface ChaosKey {
  key: KeyObject;
  /** base64url raw public key: what appliances take as --chaos-verify-key */
  publicKey: string;
}

export async function loadChaosKey(file: string): Promise<ChaosKey> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`--chaos-key ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  try {
    const key = loadPrivateKey(pem);
    return { key, publicKey: publicKeyText(key) };
  } catch (err) {
    throw new ConfigError(
      `--chaos-key ${file}: not an Ed25519 private key (write one with ferry keys identity --out FILE): ${(err as Error).message}`,
    );
  }
}
