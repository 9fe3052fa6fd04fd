// Operators' admin state in memory (drains and maintenance windows, docs/control.md "Admin
// state"): every heartbeat reply and every steering answer reads it, so neither waits on the
// store. Written by admin/service.ts (store first, then here), at start (ingest/load.ts) and
// by other instances' changes (ingest/follow.ts).
import type { AdminStateView, DrainOrder } from '@ferry/protocol';
import type { AdminRecord } from '../state/store.js';

/** Inside the window: from its start (inclusive) to its end (exclusive). */
export function inWindow(w: { startMs: number; endMs: number } | null | undefined, nowMs: number): boolean {
  return w != null && w.startMs <= nowMs && nowMs < w.endMs;
}

/**
 * What control orders now: an operator's drain first (it stays until undrained), then a
 * window in progress. Undefined: serve.
 */
export function drainOrderOf(rec: AdminRecord | undefined, nowMs: number): DrainOrder | undefined {
  if (!rec) return undefined;
  if (rec.drain) return { cause: 'operator', reason: rec.drain.reason || `drained by ${rec.drain.by}` };
  const w = rec.maintenance;
  if (w && inWindow(w, nowMs)) {
    return {
      cause: 'maintenance',
      reason: w.reason || `maintenance until ${new Date(w.endMs).toISOString()}`,
    };
  }
  return undefined;
}

export function adminViewOf(rec: AdminRecord | undefined, nowMs: number): AdminStateView {
  if (!rec) return { drain: null, maintenance: null, draining: false };
  const { startedLogged: _logged, ...window } = rec.maintenance ?? { startedLogged: undefined };
  return {
    drain: rec.drain ? { ...rec.drain } : null,
    maintenance: rec.maintenance ? (window as AdminStateView['maintenance']) : null,
    draining: drainOrderOf(rec, nowMs) !== undefined,
  };
}

export class AdminIndex {
  private readonly byId = new Map<string, AdminRecord>();

  get(id: string): AdminRecord | undefined {
    return this.byId.get(id);
  }

  /** A record with neither drain nor window is forgotten, as the store deletes it. */
  set(rec: AdminRecord): void {
    if (rec.drain === null && rec.maintenance === null) this.byId.delete(rec.id);
    else this.byId.set(rec.id, rec);
  }

  remove(id: string): void {
    this.byId.delete(id);
  }

  list(): AdminRecord[] {
    return [...this.byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Steering's question, per candidate: one map lookup when nothing is set. */
  draining(id: string, nowMs: number): boolean {
    const rec = this.byId.get(id);
    return rec !== undefined && drainOrderOf(rec, nowMs) !== undefined;
  }

  order(id: string, nowMs: number): DrainOrder | undefined {
    return drainOrderOf(this.byId.get(id), nowMs);
  }

  view(id: string, nowMs: number): AdminStateView {
    return adminViewOf(this.byId.get(id), nowMs);
  }
}
