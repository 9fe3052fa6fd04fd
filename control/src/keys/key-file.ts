// Control's --token-key-file, followed: polled every second (an atomic rename by `ferry keys
// generate --add` is seen without a signal) and reloaded on SIGHUP. A file that no longer
// parses keeps the ring control has, so a typo never stops signing. Each reload is logged
// and counted; the signing key itself is chosen against the fleet (signing-keys.ts).
import { type KeyRingReloadEvent, ReloadableKeyRing } from '@ferry/protocol';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';

export const KEY_FILE_POLL_MS = 1000;

export class ControlKeyFile {
  private pendingWhy: string | undefined;
  private reloads: Counter<'result'> | undefined;

  private constructor(
    readonly ring: ReloadableKeyRing,
    private readonly logger: Logger,
  ) {}

  /** Throws KeyFileError when the file is bad at start: control does not start on it. */
  static async open(path: string, logger: Logger, pollMs = KEY_FILE_POLL_MS): Promise<ControlKeyFile> {
    let self: ControlKeyFile | undefined;
    const ring = await ReloadableKeyRing.open(path, (ev) => self?.onReload(ev));
    self = new ControlKeyFile(ring, logger);
    ring.watch(pollMs);
    return self;
  }

  /** The app's metrics exist only once the app is built on this ring. */
  countReloadsIn(counter: Counter<'result'>): void {
    this.reloads = counter;
  }

  reload(why: string): Promise<KeyRingReloadEvent> {
    this.pendingWhy = why;
    return this.ring.reload();
  }

  stop(): void {
    this.ring.stop();
  }

  private onReload(ev: KeyRingReloadEvent): void {
    const why = this.pendingWhy ?? 'file changed';
    this.pendingWhy = undefined;
    this.reloads?.inc({ result: !ev.ok ? 'failed' : ev.changed ? 'changed' : 'unchanged' });
    if (ev.ok) {
      this.logger.info(
        { why, file: this.ring.path, changed: ev.changed, keyIds: ev.keyIds },
        'token keys reloaded',
      );
    } else {
      this.logger.error(
        { why, file: this.ring.path, err: ev.error, keyIds: ev.keyIds },
        'token key file reload failed; keeping the keys held',
      );
    }
  }
}
