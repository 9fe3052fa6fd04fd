// Eviction: a held file control no longer wants is removed once it has been unwanted for the
// grace period (a manifest that changes its mind in the meantime keeps it) and no body is
// being sent from it. The removal goes through the store, so the inventory reports it to
// control like any other removal.
import type { Logger } from '../ops/logger.js';
import type { ContentStore } from '../store/store.js';

export interface EvictorOptions {
  graceMs: number;
  store: Pick<ContentStore, 'remove'>;
  /** bodies being sent from the file now (ops/file-traffic.ts) */
  inFlight(id: string): number;
  onEvicted(id: string): void;
  logger: Logger;
  now?: () => number;
}

export interface EvictionStatus {
  fileId: string;
  dueAtMs: number;
  inFlight: number;
}

export class Evictor {
  private readonly due = new Map<string, number>();
  private readonly now: () => number;
  private running: Promise<void> | undefined;

  constructor(private readonly opts: EvictorOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The files unwanted now: new ones start their grace period, wanted ones leave the list. */
  update(unwanted: readonly string[]): void {
    const set = new Set(unwanted);
    for (const id of this.due.keys()) if (!set.has(id)) this.due.delete(id);
    const at = this.now() + this.opts.graceMs;
    for (const id of unwanted) if (!this.due.has(id)) this.due.set(id, at);
  }

  /** Removes the files whose grace is over and that nobody is reading; one pass at a time. */
  run(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Resolves once no pass is running (before the store closes). */
  async settled(): Promise<void> {
    await this.running;
  }

  status(limit = 100): EvictionStatus[] {
    return [...this.due]
      .slice(0, limit)
      .map(([fileId, dueAtMs]) => ({ fileId, dueAtMs, inFlight: this.opts.inFlight(fileId) }));
  }

  get pending(): number {
    return this.due.size;
  }

  private async pass(): Promise<void> {
    const now = this.now();
    for (const [id, at] of [...this.due]) {
      if (at > now || this.opts.inFlight(id) > 0) continue;
      try {
        // Asked again inside the store's lock for the id: a request that began meanwhile wins.
        const removed = await this.opts.store.remove(id, { unless: () => this.opts.inFlight(id) > 0 });
        if (!removed) continue;
        this.due.delete(id);
        this.opts.onEvicted(id);
        this.opts.logger.info(
          { file: id, graceMs: this.opts.graceMs },
          'fill: evicted a file control no longer wants',
        );
      } catch (err) {
        this.opts.logger.warn({ err, file: id }, 'fill: eviction failed, will retry');
      }
    }
  }
}
