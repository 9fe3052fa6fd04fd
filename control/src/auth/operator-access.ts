// The operator token file as a running control sees it: read at start (a bad file stops
// the start), reloaded when it changes (polled, so the atomic rename of `ferry control token
// create` is seen like an edit) and on SIGHUP. A file that no longer parses keeps the tokens
// as they were and logs the error: a typo must not lock every operator out, nor let anyone
// in. Without a file every protected call is refused.

import { type Stats, unwatchFile, watchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ConfigError, type ErrorSpec, Errors, FerryError } from '../errors.js';
import {
  checkOperatorToken,
  type OperatorTokenEntry,
  parseTokenFile,
  type Role,
  roleAllows,
} from './operator-tokens.js';

export interface AccessLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export type AccessCheck =
  | { readonly ok: true; readonly entry: OperatorTokenEntry }
  | { readonly ok: false; readonly spec: ErrorSpec; readonly reason: string };

export class OperatorAccess {
  private entries: ReadonlyMap<string, OperatorTokenEntry>;
  private watcher: ((cur: Stats, prev: Stats) => void) | undefined;
  private reloading: Promise<boolean> | undefined;

  constructor(
    entries: readonly OperatorTokenEntry[],
    private readonly file?: string,
    private readonly logger?: AccessLogger,
  ) {
    this.entries = byId(entries);
  }

  /** Reads `file` (or none: every protected call refused). Throws ConfigError on a bad file. */
  static async open(file: string | undefined, logger?: AccessLogger): Promise<OperatorAccess> {
    if (!file) return new OperatorAccess([], undefined, logger);
    try {
      return new OperatorAccess(await readEntries(file), file, logger);
    } catch (err) {
      if (err instanceof FerryError) throw err;
      throw new ConfigError(`--operator-tokens ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  }

  get configured(): boolean {
    return this.file !== undefined;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Does this `Authorization` value hold a role of at least `needed`? */
  check(authorization: string | undefined, needed: Role): AccessCheck {
    const t = checkOperatorToken(authorization, this.entries);
    if (!t.ok) {
      return t.reason === 'MISSING'
        ? { ok: false, spec: Errors.AUTH_REQUIRED, reason: 'token-missing' }
        : { ok: false, spec: Errors.AUTH_BAD_TOKEN, reason: 'token-bad' };
    }
    if (!roleAllows(t.entry.role, needed))
      return { ok: false, spec: Errors.AUTH_FORBIDDEN, reason: 'forbidden' };
    return { ok: true, entry: t.entry };
  }

  /**
   * Is the token with this id still in force with at least this role? A dashboard session
   * lives only as long as the token it was made with (docs/dashboard.md).
   */
  stillHolds(id: string, role: Role): boolean {
    const e = this.entries.get(id);
    return e !== undefined && roleAllows(e.role, role);
  }

  /** Polls the file's mtime, size and inode; a change reloads it. */
  watch(intervalMs = 1000): void {
    const file = this.file;
    if (!file || this.watcher) return;
    this.watcher = (cur, prev) => {
      if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size || cur.ino !== prev.ino) void this.reload();
    };
    watchFile(file, { interval: intervalMs, persistent: false }, this.watcher);
  }

  stop(): void {
    if (!this.watcher || !this.file) return;
    // Only this listener: several apps in one process (tests) may watch the same file.
    unwatchFile(this.file, this.watcher);
    this.watcher = undefined;
  }

  /** Reads the file again; true when it parsed. Concurrent calls share one read. */
  reload(): Promise<boolean> {
    const file = this.file;
    if (!file) return Promise.resolve(false);
    this.reloading ??= readEntries(file)
      .then(
        (entries) => {
          this.entries = byId(entries);
          this.logger?.info({ file, tokens: entries.length }, 'operator tokens reloaded');
          return true;
        },
        (err: unknown) => {
          this.logger?.error(
            { err, file },
            'operator token file unreadable; keeping the tokens loaded before',
          );
          return false;
        },
      )
      .finally(() => {
        this.reloading = undefined;
      });
    return this.reloading;
  }
}

function byId(entries: readonly OperatorTokenEntry[]): ReadonlyMap<string, OperatorTokenEntry> {
  return new Map(entries.map((e) => [e.id, e]));
}

async function readEntries(file: string): Promise<OperatorTokenEntry[]> {
  return parseTokenFile(await readFile(file, 'utf8'), file);
}
