// The dashboard's login sessions (docs/dashboard.md): an operator pastes a token once and the
// browser then holds a random session id in an HttpOnly cookie, never the token itself. Kept
// in memory only: a control restart ends every session (the operator logs in again). Each
// session remembers which token made it, so a token removed from the file (or given another
// secret) ends its sessions at their next use.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { OperatorTokenEntry, Role } from '../auth/operator-tokens.js';

export const SESSION_IDLE_MS = 60 * 60_000;
export const SESSION_MAX_AGE_MS = 12 * 60 * 60_000;
export const MAX_SESSIONS = 1000;

export interface UiSession {
  readonly id: string;
  /** the page sends it back in X-Ferry-CSRF on every write */
  readonly csrf: string;
  readonly tokenId: string;
  readonly name: string;
  readonly role: Role;
  readonly createdMs: number;
  lastUsedMs: number;
}

export interface SessionOptions {
  idleMs?: number;
  maxAgeMs?: number;
  max?: number;
  now?: () => number;
}

export class UiSessions {
  private readonly byId = new Map<string, UiSession>();
  private readonly closeListeners = new Set<(id: string) => void>();
  private readonly idleMs: number;
  private readonly maxAgeMs: number;
  private readonly max: number;
  private readonly now: () => number;

  constructor(opts: SessionOptions = {}) {
    this.idleMs = opts.idleMs ?? SESSION_IDLE_MS;
    this.maxAgeMs = opts.maxAgeMs ?? SESSION_MAX_AGE_MS;
    this.max = opts.max ?? MAX_SESSIONS;
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.byId.size;
  }

  /** A new session for a token that just passed OperatorAccess.check. */
  create(entry: OperatorTokenEntry): UiSession {
    this.sweep();
    // Bounded: past the limit the least recently used session goes first (Map order is
    // insertion order, and get() re-inserts on use).
    while (this.byId.size >= this.max) {
      const oldest = this.byId.keys().next().value;
      if (oldest === undefined) break;
      this.end(oldest);
    }
    const t = this.now();
    const s: UiSession = {
      id: randomBytes(32).toString('base64url'),
      csrf: randomBytes(32).toString('base64url'),
      tokenId: entry.id,
      name: entry.name,
      role: entry.role,
      createdMs: t,
      lastUsedMs: t,
    };
    this.byId.set(s.id, s);
    return s;
  }

  /** The live session with this id (its idle clock restarts), or undefined. */
  get(id: string | undefined): UiSession | undefined {
    if (!id) return undefined;
    const s = this.byId.get(id);
    if (!s) return undefined;
    const t = this.now();
    if (this.expired(s, t)) {
      this.end(id);
      return undefined;
    }
    s.lastUsedMs = t;
    this.byId.delete(id);
    this.byId.set(id, s);
    return s;
  }

  /** When the session ends if nobody uses it (ms since the epoch). */
  expiresMs(s: UiSession): number {
    return Math.min(s.lastUsedMs + this.idleMs, s.createdMs + this.maxAgeMs);
  }

  end(id: string): void {
    if (!this.byId.delete(id)) return;
    for (const l of this.closeListeners) l(id);
  }

  /** Ends every session of one token (its entry is gone or changed). */
  endToken(tokenId: string): void {
    for (const s of [...this.byId.values()]) if (s.tokenId === tokenId) this.end(s.id);
  }

  /** Called with the id of every session that ends (logout, expiry, eviction). */
  onEnd(listener: (id: string) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Drops expired sessions; the live streams call it every second. */
  sweep(): void {
    const t = this.now();
    for (const s of [...this.byId.values()]) if (this.expired(s, t)) this.end(s.id);
  }

  private expired(s: UiSession, t: number): boolean {
    return t - s.lastUsedMs >= this.idleMs || t - s.createdMs >= this.maxAgeMs;
  }
}

/** Constant-time comparison of the X-Ferry-CSRF header with the session's token. */
export function csrfMatches(s: UiSession, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string') return false;
  const a = Buffer.from(header);
  const b = Buffer.from(s.csrf);
  return a.length === b.length && timingSafeEqual(a, b);
}
