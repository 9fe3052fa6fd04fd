// Credentials for tests that drive a real control app: an operator token file with one
// token per role, and appliances enrolled with fresh Ed25519 keys whose heartbeats are
// signed. `headers()` gives every request what it needs: a signature for a heartbeat of an
// enrolled appliance, the admin token for anything else (unless a test asks for none).
import type { KeyObject } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKeyPair, loadPrivateKey, signRequest } from '@ferry/protocol';
import { createTokenInFile } from '../../src/auth/token-cli.js';

export interface TestTokens {
  file: string;
  admin: string;
  operator: string;
  viewer: string;
}

/** Writes `operator-tokens` in `dir` with an admin, an operator and a viewer token. */
export async function writeTestTokens(dir: string): Promise<TestTokens> {
  const file = join(dir, 'operator-tokens');
  return {
    file,
    admin: await createTokenInFile(file, 'admin', 'test-admin'),
    operator: await createTokenInFile(file, 'operator', 'test-operator'),
    viewer: await createTokenInFile(file, 'viewer', 'test-viewer'),
  };
}

export interface TestIdentity {
  id: string;
  key: KeyObject;
  publicKey: string;
}

export function makeIdentity(id: string): TestIdentity {
  const pair = generateSigningKeyPair();
  return { id, key: loadPrivateKey(pair.privateKeyPem), publicKey: pair.publicKey };
}

const HEARTBEAT_PATH = /^\/v1\/appliances\/([^/?]+)\/heartbeat(?:\?|$)/;

export class TestFleet {
  readonly identities = new Map<string, TestIdentity>();

  constructor(
    readonly baseUrl: () => string,
    readonly tokens: TestTokens,
  ) {}

  /** Enrolls `id` (a new key) through the API; urlHosts empty: the source address. */
  async enroll(id: string, site: string, urlHosts?: string[]): Promise<TestIdentity> {
    const identity = makeIdentity(id);
    const body = JSON.stringify({
      id,
      site,
      publicKey: identity.publicKey,
      ...(urlHosts ? { urlHosts } : {}),
    });
    const res = await fetch(`${this.baseUrl()}/v1/appliances`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.tokens.admin}` },
      body,
    });
    if (res.status !== 201 && res.status !== 200) {
      throw new Error(`enrolling ${id}: HTTP ${res.status} ${await res.text()}`);
    }
    this.identities.set(id, identity);
    return identity;
  }

  /** The Authorization a request would carry from the appliance or the admin. */
  headers(method: string, path: string, body: string | undefined): Record<string, string> {
    const m = HEARTBEAT_PATH.exec(path);
    if (m && method === 'POST') {
      const identity = this.identities.get(decodeURIComponent(m[1]!));
      if (!identity) return {};
      return { authorization: signRequest({ method, path, body }, { id: identity.id, key: identity.key }) };
    }
    return { authorization: `Bearer ${this.tokens.admin}` };
  }
}

/**
 * One token file for every control instance of a test (instances on one Redis share
 * enrollments too), made on first use in a temp dir that `remove()` deletes.
 */
export function sharedTokens(): { get(): Promise<TestTokens>; remove(): Promise<void> } {
  let made: Promise<{ dir: string; tokens: TestTokens }> | undefined;
  return {
    async get() {
      made ??= mkdtemp(join(tmpdir(), 'ferry-tokens-')).then(async (dir) => ({
        dir,
        tokens: await writeTestTokens(dir),
      }));
      return (await made).tokens;
    },
    async remove() {
      if (made) await rm((await made).dir, { recursive: true, force: true });
    },
  };
}

/** Enrolls `identity` at the control at `base`, as an operator would. */
export async function enrollAt(
  base: string,
  adminToken: string,
  identity: TestIdentity,
  site: string,
  urlHosts: string[],
): Promise<void> {
  const res = await fetch(`${base}/v1/appliances`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ id: identity.id, site, publicKey: identity.publicKey, urlHosts }),
  });
  if (res.status !== 201 && res.status !== 200) {
    throw new Error(`enrolling ${identity.id}: HTTP ${res.status} ${await res.text()}`);
  }
}
