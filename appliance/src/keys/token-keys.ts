// The appliance's URL token keys, following the key file (docs/tokens.md "Rotation"): the
// file is polled every second, so `ferry keys generate --add` (an atomic rename) is seen
// without a signal, and SIGHUP reloads at once. A file that no longer parses keeps the keys
// the appliance has: a typo during a rotation must not leave it unable to verify any URL.
// Every reload is logged and counted; the keys held go into /v1/status and each heartbeat.
import {
  type HeldKey,
  heldKeys,
  type KeyRing,
  type KeyRingReloadEvent,
  ReloadableKeyRing,
} from '@ferry/protocol';
import type { Counter } from 'prom-client';
import type { Logger } from '../ops/logger.js';

/** How often the key file is polled: a rotation reaches the heartbeat within ~1 s. */
export const KEY_FILE_POLL_MS = 1000;

export type KeyReloadResult = 'changed' | 'unchanged' | 'failed';

export interface LastReload {
  atMs: number;
  why: string;
  result: KeyReloadResult;
  error?: string;
}

export interface TokenKeysStatus {
  file: string;
  keys: HeldKey[];
  lastReload: LastReload | null;
}

export class TokenKeys {
  private last: LastReload | null = null;
  /** why the next reload event happens: the poll unless reload() said otherwise */
  private pendingWhy: string | undefined;
  private held: HeldKey[];
  /** set once the metrics exist (they are built after the keys, which may refuse to load) */
  private reloads: Counter<'result'> | undefined;

  private constructor(
    private readonly ring: ReloadableKeyRing,
    private readonly logger: Logger,
  ) {
    this.held = heldKeys(ring.current);
  }

  /** Loads the file (throws KeyFileError when it is bad: the appliance does not start). */
  static async open(path: string, opts: { logger: Logger; pollMs?: number }): Promise<TokenKeys> {
    let self: TokenKeys | undefined;
    const ring = await ReloadableKeyRing.open(path, (ev) => self?.onReload(ev));
    self = new TokenKeys(ring, opts.logger);
    ring.watch(opts.pollMs ?? KEY_FILE_POLL_MS);
    return self;
  }

  countReloadsIn(counter: Counter<'result'>): void {
    this.reloads = counter;
  }

  /** The ring as it is now: read for every request, so a reload applies to the next one. */
  get current(): KeyRing {
    return this.ring.current;
  }

  /** Ids and fingerprints of the keys held, for heartbeats and /v1/status. */
  get heldKeys(): HeldKey[] {
    return this.held;
  }

  reload(why: string): Promise<KeyRingReloadEvent> {
    this.pendingWhy = why;
    return this.ring.reload();
  }

  status(): TokenKeysStatus {
    return { file: this.ring.path, keys: this.held, lastReload: this.last };
  }

  stop(): void {
    this.ring.stop();
  }

  private onReload(ev: KeyRingReloadEvent): void {
    const why = this.pendingWhy ?? 'file changed';
    this.pendingWhy = undefined;
    const result: KeyReloadResult = !ev.ok ? 'failed' : ev.changed ? 'changed' : 'unchanged';
    this.reloads?.inc({ result });
    this.last = { atMs: Date.now(), why, result, ...(ev.error ? { error: ev.error.message } : {}) };
    if (!ev.ok) {
      this.logger.error(
        { why, file: this.ring.path, err: ev.error, keyIds: ev.keyIds },
        'token key file reload failed; keeping the keys held',
      );
      return;
    }
    this.held = heldKeys(this.ring.current);
    this.logger.info(
      { why, file: this.ring.path, changed: ev.changed, keys: this.held },
      'token keys reloaded',
    );
  }
}
