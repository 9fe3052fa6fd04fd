// The versioned list of files this appliance holds, for control (DESIGN flow 4): the whole
// list first, then what was added or removed since the version control last saw. Same idea
// as the route feed (bgp/report/feed.ts), on the same bounded change log (feed/change-log.ts):
// a version older than the log (or newer than now) gets `resync`.

import { ChangeLog } from '../feed/change-log.js';
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
  private readonly log: ChangeLog<LogEntry>;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: Pick<ContentStore, 'list' | 'onChange'>,
    opts: InventoryFeedOptions = {},
  ) {
    this.log = new ChangeLog(opts.maxLog);
    this.unsubscribe = store.onChange((c) => this.onChange(c));
  }

  get version(): number {
    return this.log.version;
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
    return { version: this.log.version, files };
  }

  /** Changes after `since`, folded so each file appears once with its latest state. */
  since(since: number): InventoryDelta {
    const changes = this.log.since(since);
    if (!changes) return { version: this.log.version, resync: true };
    const latest = new Map<string, boolean>();
    for (const e of changes) {
      latest.delete(e.id);
      latest.set(e.id, e.held);
    }
    const added: string[] = [];
    const removed: string[] = [];
    for (const [id, held] of latest) (held ? added : removed).push(id);
    return { since, version: this.log.version, added, removed };
  }

  private onChange(c: StoreChange): void {
    if (c.type === 'added') this.record(c.file.id, true);
    else if (c.type === 'removed') this.record(c.id, false);
    else for (const id of c.files) this.record(id, false);
  }

  private record(id: string, held: boolean): void {
    this.log.append({ id, held });
  }
}
