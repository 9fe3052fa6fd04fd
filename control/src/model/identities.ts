// The enrolled identities in memory, with each public key parsed once: every heartbeat's
// signature is checked against this, so the check never waits on the store.
import type { KeyObject } from 'node:crypto';
import { parsePublicKey } from '@ferry/protocol';
import type { ApplianceIdentity } from '../state/store.js';

export interface EnrolledIdentity {
  readonly identity: ApplianceIdentity;
  readonly key: KeyObject;
}

export class IdentityIndex {
  private readonly byId = new Map<string, EnrolledIdentity>();

  get(id: string): EnrolledIdentity | undefined {
    return this.byId.get(id);
  }

  /** False (and the id forgotten) when the stored key does not parse: nobody can sign for it. */
  set(identity: ApplianceIdentity): boolean {
    const key = parsePublicKey(identity.publicKey);
    if (!key) {
      this.byId.delete(identity.id);
      return false;
    }
    this.byId.set(identity.id, { identity: { ...identity, urlHosts: [...identity.urlHosts] }, key });
    return true;
  }

  remove(id: string): void {
    this.byId.delete(id);
  }

  list(): ApplianceIdentity[] {
    return [...this.byId.values()]
      .map((e) => e.identity)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
