// Hit counting off the request path: recordHit only bumps a counter in memory; counts reach
// SQLite in one transaction per disk at each flush, so a busy appliance pays one WAL append
// per interval instead of one write per request.

import type { HitDelta } from './index-db.js';

export class HitBuffer {
  private pending = new Map<string, HitDelta>();

  record(id: string, nowMs: number): void {
    const d = this.pending.get(id);
    if (d) {
      d.hits++;
      d.lastAccessMs = nowMs;
    } else {
      this.pending.set(id, { id, hits: 1, lastAccessMs: nowMs });
    }
  }

  forget(id: string): void {
    this.pending.delete(id);
  }

  /** Takes everything pending, grouped by `diskOf(id)` (ids with no disk are dropped). */
  take(diskOf: (id: string) => string | undefined): Map<string, HitDelta[]> {
    const byDisk = new Map<string, HitDelta[]>();
    for (const d of this.pending.values()) {
      const disk = diskOf(d.id);
      if (disk === undefined) continue;
      const list = byDisk.get(disk);
      if (list) list.push(d);
      else byDisk.set(disk, [d]);
    }
    this.pending = new Map();
    return byDisk;
  }

  /** Puts deltas back after a failed flush, merging with hits recorded meanwhile. */
  restore(deltas: HitDelta[]): void {
    for (const d of deltas) {
      const cur = this.pending.get(d.id);
      if (cur) {
        cur.hits += d.hits;
        cur.lastAccessMs = Math.max(cur.lastAccessMs, d.lastAccessMs);
      } else {
        this.pending.set(d.id, { ...d });
      }
    }
  }
}
