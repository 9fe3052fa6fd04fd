// A key ring that follows its file: reloaded when the file changes (polled, so an atomic
// rename by `ferry keys generate --add` is seen like an edit) and on demand (SIGHUP). A file
// that no longer parses keeps the ring as it was and reports the error: a typo during a
// rotation must not leave an appliance unable to verify any URL.
import { createHmac } from 'node:crypto';
import { type StatWatcher, unwatchFile, watchFile } from 'node:fs';
import { type HeldKey, MAX_REPORTED_KEYS } from './control-api.js';
import { type KeyEntry, type KeyRing, loadKeyRing } from './keys.js';

/**
 * A short public fingerprint of a key: which secret an id stands for, without revealing it.
 * Heartbeats carry these so control can tell an appliance whose key of the same id differs.
 */
export function keyFingerprint(entry: KeyEntry): string {
  return createHmac('sha256', entry.secret)
    .update('ferry key fingerprint v1')
    .digest('base64url')
    .slice(0, 16);
}

/** A ring's keys as a heartbeat reports them: file order, the signing key first, bounded. */
export function heldKeys(ring: KeyRing): HeldKey[] {
  return [...ring.keys.values()]
    .slice(0, MAX_REPORTED_KEYS)
    .map((e) => ({ id: e.keyId, fingerprint: keyFingerprint(e) }));
}

export interface KeyRingReloadEvent {
  readonly ok: boolean;
  readonly changed: boolean;
  readonly keyIds: readonly string[];
  readonly error?: Error;
}

export class ReloadableKeyRing {
  private ring: KeyRing;
  private watcher: StatWatcher | undefined;
  private reloading: Promise<KeyRingReloadEvent> | undefined;

  private constructor(
    readonly path: string,
    ring: KeyRing,
    private readonly onReload: (ev: KeyRingReloadEvent) => void,
  ) {
    this.ring = ring;
  }

  static async open(
    path: string,
    onReload: (ev: KeyRingReloadEvent) => void = () => {},
  ): Promise<ReloadableKeyRing> {
    return new ReloadableKeyRing(path, await loadKeyRing(path), onReload);
  }

  get current(): KeyRing {
    return this.ring;
  }

  /** Polls the file's mtime and size every `intervalMs`; a change reloads the ring. */
  watch(intervalMs = 1000): void {
    if (this.watcher) return;
    this.watcher = watchFile(this.path, { interval: intervalMs, persistent: false }, (cur, prev) => {
      if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size || cur.ino !== prev.ino) void this.reload();
    });
  }

  stop(): void {
    if (!this.watcher) return;
    unwatchFile(this.path);
    this.watcher = undefined;
  }

  /** Reads the file again; concurrent calls share one read. */
  reload(): Promise<KeyRingReloadEvent> {
    this.reloading ??= this.readAgain().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  private async readAgain(): Promise<KeyRingReloadEvent> {
    let ev: KeyRingReloadEvent;
    try {
      const next = await loadKeyRing(this.path);
      const changed = !sameRing(this.ring, next);
      this.ring = next;
      ev = { ok: true, changed, keyIds: [...next.keys.keys()] };
    } catch (err) {
      ev = { ok: false, changed: false, keyIds: [...this.ring.keys.keys()], error: err as Error };
    }
    this.onReload(ev);
    return ev;
  }
}

function sameRing(a: KeyRing, b: KeyRing): boolean {
  if (a.signing.keyId !== b.signing.keyId || a.keys.size !== b.keys.size) return false;
  for (const [id, e] of a.keys) {
    const other = b.keys.get(id);
    if (!other?.secret.equals(e.secret)) return false;
  }
  return true;
}
