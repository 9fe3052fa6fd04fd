// Assembles paged routes snapshots (protocol SnapshotPart): parts 0..count-1 of the snapshot
// at (epoch, version) must arrive in order; the set goes to the store and the model only
// when the last one is in, so steering never sees half a table. States and decisions only:
// the caller parses prefixes into the set (and preferences into the map) this hands out and
// does the I/O.
//
// Memory is bounded: one assembly per appliance holding at most `maxRoutes` prefixes, and an
// assembly that has not moved for `idleMs` is dropped (its appliance resyncs if it returns).

import type { PrefMap } from '../model/route-prefs.js';

export interface PartReport {
  epoch: string;
  version: number;
  index: number;
  count: number;
  /** routes in this part, before parsing */
  routes: number;
}

export type PartDecision =
  /** Taken: parse its routes into `prefixes` and `prefs`; when `complete`, swap them in. */
  | { kind: 'take'; prefixes: Set<string>; prefs: PrefMap; complete: boolean }
  /** The part taken last, sent again after a lost reply: nothing to do. */
  | { kind: 'duplicate'; complete: boolean }
  /** Out of order, of another snapshot, or of one dropped: the appliance starts over. */
  | { kind: 'resync'; reason: string }
  /** The snapshot would exceed the per-appliance limit: refused, the assembly dropped. */
  | { kind: 'limit'; routes: number };

interface Assembly {
  epoch: string;
  version: number;
  count: number;
  /** index of the part expected next */
  next: number;
  prefixes: Set<string>;
  prefs: PrefMap;
  touchedMs: number;
}

export interface SnapshotPartsOptions {
  maxRoutes: number;
  idleMs: number;
}

export class SnapshotParts {
  private readonly open = new Map<string, Assembly>();
  /** The last snapshot completed per appliance, so a resent last part is recognised. */
  private readonly done = new Map<string, { epoch: string; version: number; count: number }>();

  constructor(private readonly opts: SnapshotPartsOptions) {}

  /** Prefixes held by unfinished assemblies (metrics, tests). */
  get pendingPrefixes(): number {
    let n = 0;
    for (const a of this.open.values()) n += a.prefixes.size;
    return n;
  }

  take(id: string, part: PartReport, nowMs: number): PartDecision {
    this.evictIdle(nowMs);
    if (part.index >= part.count) return this.resync(id, `part ${part.index} of ${part.count}`);
    const last = this.done.get(id);
    if (last && same(last, part) && part.index === part.count - 1)
      return { kind: 'duplicate', complete: true };
    let a = this.open.get(id);
    if (part.index === 0) {
      a = {
        epoch: part.epoch,
        version: part.version,
        count: part.count,
        next: 0,
        prefixes: new Set(),
        prefs: new Map(),
        touchedMs: nowMs,
      };
      this.open.set(id, a);
      this.done.delete(id);
    }
    if (!a || !same(a, part)) return this.resync(id, `part ${part.index} of a snapshot not in progress`);
    if (part.index === a.next - 1) return { kind: 'duplicate', complete: false };
    if (part.index !== a.next) return this.resync(id, `part ${part.index} while expecting ${a.next}`);
    const routes = a.prefixes.size + part.routes;
    if (routes > this.opts.maxRoutes) {
      this.open.delete(id);
      return { kind: 'limit', routes };
    }
    a.next++;
    a.touchedMs = nowMs;
    const complete = a.next === a.count;
    if (complete) {
      this.open.delete(id);
      this.done.set(id, { epoch: a.epoch, version: a.version, count: a.count });
    }
    return { kind: 'take', prefixes: a.prefixes, prefs: a.prefs, complete };
  }

  /** A delta or an unpaged snapshot ends whatever was in progress. */
  clear(id: string): void {
    this.open.delete(id);
    this.done.delete(id);
  }

  private resync(id: string, reason: string): PartDecision {
    this.open.delete(id);
    return { kind: 'resync', reason };
  }

  private evictIdle(nowMs: number): void {
    for (const [id, a] of this.open) if (nowMs - a.touchedMs > this.opts.idleMs) this.open.delete(id);
  }
}

function same(a: { epoch: string; version: number; count: number }, b: PartReport): boolean {
  return a.epoch === b.epoch && a.version === b.version && a.count === b.count;
}
