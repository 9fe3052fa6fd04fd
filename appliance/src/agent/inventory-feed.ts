// The versioned list of files this appliance holds, for control (DESIGN flow 4): the whole
// list first, then what was added or removed since the version control last saw. Same idea
// as the route feed (bgp/report/feed.ts): every change bumps the version by one, the change log is
// bounded, and a version older than the log (or newer than now) gets `resync`.
import type { ContentStore } from '../store/store.js';
import type { StoreChange } from '../store/types.js';

export interface InventoryFull {
  version: number;
  files: string[];
}

export type InventoryDelta =
  | { since: number; version: number; added: string[]; removed: string[] }
  | { version: number; resync: true };

export interface InventoryFeedOptions {
  /** most changes kept for deltas; older versions must take the full list (default 100,000) */
  maxLog?: number;
}

interface LogEntry {
  readonly id: string;
  /** true: the file became servable; false: it went away (removed, or its disk failed) */
  readonly held: boolean;
}

export class InventoryFeed {
  private readonly maxLog: number;
  private versionNow = 0;
  /** log[head] is the change that made version floor + 1 */
  private log: LogEntry[] = [];
  private head = 0;
  private floor = 0;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: Pick<ContentStore, 'list' | 'onChange'>,
    opts: InventoryFeedOptions = {},
  ) {
    this.maxLog = opts.maxLog ?? 100_000;
    if (!Number.isInteger(this.maxLog) || this.maxLog < 1) throw new RangeError('maxLog must be >= 1');
    this.unsubscribe = store.onChange((c) => this.onChange(c));
  }

  get version(): number {
    return this.versionNow;
  }

  close(): void {
    this.unsubscribe();
  }

  /**
   * Servable files at the current version. Read from the store, whose change events are
   * emitted synchronously, so the list and the version always agree.
   */
  full(): InventoryFull {
    const files: string[] = [];
    for (const f of this.store.list()) if (!f.missing) files.push(f.id);
    return { version: this.versionNow, files };
  }

  /** Changes after `since`, folded so each file appears once with its latest state. */
  since(since: number): InventoryDelta {
    if (!Number.isInteger(since) || since < this.floor || since > this.versionNow) {
      return { version: this.versionNow, resync: true };
    }
    const latest = new Map<string, boolean>();
    for (let i = this.head + (since - this.floor); i < this.log.length; i++) {
      const e = this.log[i]!;
      latest.delete(e.id);
      latest.set(e.id, e.held);
    }
    const added: string[] = [];
    const removed: string[] = [];
    for (const [id, held] of latest) (held ? added : removed).push(id);
    return { since, version: this.versionNow, added, removed };
  }

  private onChange(c: StoreChange): void {
    if (c.type === 'added') this.record(c.file.id, true);
    else if (c.type === 'removed') this.record(c.id, false);
    else for (const id of c.files) this.record(id, false);
  }

  private record(id: string, held: boolean): void {
    this.versionNow++;
    this.log.push({ id, held });
    if (this.log.length - this.head > this.maxLog) {
      this.head++;
      this.floor++;
      // Compact once the dropped part is as large as the kept part: amortised O(1) per change.
      if (this.head >= this.maxLog) {
        this.log = this.log.slice(this.head);
        this.head = 0;
      }
    }
  }
}
