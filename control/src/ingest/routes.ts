// A heartbeat's routes report, in two steps. `plan` decides without touching anything (the
// per-appliance limit, where a snapshot part fits), so a refused heartbeat stores nothing;
// `apply` then writes the store first and the model after. Large sets are written and
// swapped in slices (state/*-store.ts, model/route-index.ts), so ingest never stalls steering.
import type { PathPref, RoutesReport } from '@ferry/protocol';
import { Errors, FerryError } from '../errors.js';
import type { ControlModel } from '../model/model.js';
import { canonicalRoutes, PrefInterner, type PrefMap, routePref } from '../model/route-prefs.js';
import { canonicalPrefix } from '../route-trie/prefix-format.js';
import type { StateStore } from '../state/store.js';
import { type PartDecision, SnapshotParts } from './snapshot-parts.js';

export type RoutesPlan =
  | { kind: 'whole'; report: RoutesReport & { kind: 'snapshot' } }
  | { kind: 'part'; report: RoutesReport & { kind: 'snapshot' }; decision: PartDecision }
  | { kind: 'delta'; report: RoutesReport & { kind: 'delta' } };

export interface RoutesOutcome {
  /** the appliance must send a snapshot again, for `reason` */
  resync: boolean;
  reason?: string;
  /** a snapshot part was taken and more are due */
  next: boolean;
}

export interface RoutesIngestOptions {
  store: StateStore;
  model: ControlModel;
  maxRoutesPerAppliance: number;
  /** an unfinished paged snapshot idle this long is dropped */
  partIdleMs: number;
}

export class RoutesIngest {
  private readonly parts: SnapshotParts;

  constructor(private readonly opts: RoutesIngestOptions) {
    this.parts = new SnapshotParts({ maxRoutes: opts.maxRoutesPerAppliance, idleMs: opts.partIdleMs });
  }

  /** Throws ROUTES_LIMIT when the report would leave the appliance above the limit. */
  plan(id: string, report: RoutesReport, nowMs: number): RoutesPlan {
    const max = this.opts.maxRoutesPerAppliance;
    if (report.kind === 'delta') {
      const routes = this.afterDelta(id, report);
      if (routes > max) throw limitError(routes, max);
      return { kind: 'delta', report };
    }
    if (!report.part) {
      if (report.routes.length > max) throw limitError(report.routes.length, max);
      this.parts.clear(id);
      return { kind: 'whole', report };
    }
    const decision = this.parts.take(
      id,
      { epoch: report.epoch, version: report.version, ...report.part, routes: report.routes.length },
      nowMs,
    );
    if (decision.kind === 'limit') throw limitError(decision.routes, max);
    return { kind: 'part', report, decision };
  }

  async apply(id: string, plan: RoutesPlan): Promise<RoutesOutcome> {
    const { store, model } = this.opts;
    if (plan.kind === 'whole') {
      const set = new Set<string>();
      const prefs: PrefMap = new Map();
      await canonicalRoutes(plan.report.routes, set, prefs);
      await this.swap(id, plan.report, set, prefs);
      return { resync: false, next: false };
    }
    if (plan.kind === 'part') {
      const d = plan.decision;
      if (d.kind === 'resync') return { resync: true, reason: d.reason, next: false };
      if (d.kind !== 'take') return { resync: false, next: d.kind === 'duplicate' && !d.complete };
      await canonicalRoutes(plan.report.routes, d.prefixes, d.prefs);
      if (d.complete) await this.swap(id, plan.report, d.prefixes, d.prefs);
      return { resync: false, next: !d.complete };
    }
    this.parts.clear(id);
    const r = plan.report;
    const delta = {
      epoch: r.epoch,
      since: r.since,
      version: r.version,
      announced: r.announced.map((a) => a.prefix),
      withdrawn: r.withdrawn,
    };
    if (!(await store.applyRoutesDelta(id, delta))) {
      return { resync: true, reason: 'delta does not follow the held version', next: false };
    }
    // The appliance reports its best route per touched prefix (appliance route-report.ts).
    const interner = new PrefInterner();
    const prefs: [string, PathPref | undefined][] = [];
    for (const a of r.announced) {
      const p = canonicalPrefix(a.prefix);
      if (p) prefs.push([p, routePref(a, interner)]);
    }
    if (!model.applyRoutesDelta(id, delta, prefs)) {
      // The store had moved on without us (another instance wrote it): take its copy.
      const fresh = await store.getRoutes(id);
      if (fresh) await model.setRoutes(id, fresh);
    }
    return { resync: false, next: false };
  }

  private async swap(
    id: string,
    at: { epoch: string; version: number },
    prefixes: Set<string>,
    prefs: PrefMap,
  ) {
    await this.opts.store.putRoutes(id, { epoch: at.epoch, version: at.version, prefixes });
    await this.opts.model.swapRoutes(id, at, prefixes, prefs);
  }

  /** The appliance's prefix count once the delta is applied. */
  private afterDelta(id: string, report: RoutesReport & { kind: 'delta' }): number {
    const held = this.opts.model.routes.prefixesOf(id);
    let n = held.size;
    for (const w of report.withdrawn) {
      const p = canonicalPrefix(w);
      if (p && held.has(p)) n--;
    }
    for (const a of report.announced) {
      const p = canonicalPrefix(a.prefix);
      if (p && !held.has(p)) n++;
    }
    return n;
  }
}

function limitError(routes: number, max: number): FerryError {
  return new FerryError(
    Errors.ROUTES_LIMIT,
    `${routes} routes exceed --max-routes-per-appliance ${max}; nothing was stored`,
    { replaceMessage: true },
  );
}
