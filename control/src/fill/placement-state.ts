// The placement in force and when to recompute it: at once when the filling appliances, their
// room or the catalog change, and every `replanMs` for popularity. A recompute is cheap and
// deterministic; what keeps appliances from thrashing is placement's own hysteresis (it is
// handed the previous replica counts) and the rule that a manifest changes only when its
// content does (manifest-version.ts).
import type { Catalog } from '@ferry/protocol';
import type { FillConfig } from '../config.js';
import type { ControlModel } from '../model/model.js';
import { type PlacementResult, placeWithTrace } from '../placement/place.js';
import type { Popularity } from '../placement/popularity.js';
import { catalogFiles, fillingSites, fleetSignature } from './fleet.js';

/** One appliance's wanted set changed. */
export interface PlacementChange {
  applianceId: string;
  site: string;
  wanted: number;
  added: number;
  removed: number;
}

export interface PlacementStateOptions {
  model: ControlModel;
  config: FillConfig;
  popularity: Popularity;
  /** appliances that asked for a manifest here (they fill, even before their first report) */
  askedManifest: ReadonlySet<string>;
  /** counts each recompute: `changed` when some appliance's wanted set moved */
  count(result: 'changed' | 'unchanged'): void;
  onChange(changes: PlacementChange[]): void;
}

export class PlacementState {
  private result: PlacementResult | undefined;
  private signature = '';
  private catalog: Catalog | undefined;
  private atMs = Number.NEGATIVE_INFINITY;
  /** per site: file → the appliances given it, in rendezvous order */
  private wanters = new Map<string, Map<string, readonly string[]>>();
  /** per site: the files placed, most popular first */
  private order = new Map<string, readonly string[]>();
  private siteOf = new Map<string, string>();

  constructor(private readonly opts: PlacementStateOptions) {}

  /** Recomputes when the fleet or catalog changed, or `replanMs` passed; true when it ran. */
  refresh(nowMs: number): boolean {
    const { model, config } = this.opts;
    const sites = fillingSites(model, config, this.opts.askedManifest, nowMs);
    const signature = fleetSignature(sites);
    const catalog = model.getCatalog();
    const due = nowMs - this.atMs >= config.replanMs;
    if (this.result && !due && signature === this.signature && catalog === this.catalog) return false;
    const popularity = this.opts.popularity.snapshot();
    const result = placeWithTrace({
      files: catalogFiles(catalog).map((s) => ({ id: s.streamId, size: s.size })),
      sites,
      popularity,
      parents: new Map(Object.entries(config.parents)),
      ...(this.result ? { previous: { replicas: this.result.replicas, wanted: this.result.wanted } } : {}),
    });
    const changes = this.diff(result, sites);
    this.result = result;
    this.signature = signature;
    this.catalog = catalog;
    this.atMs = nowMs;
    this.index(result, sites);
    this.opts.count(changes.length > 0 ? 'changed' : 'unchanged');
    if (changes.length > 0) this.opts.onChange(changes);
    return true;
  }

  /** The files placement gives `applianceId`, most popular first (empty when it does not fill). */
  wantedOf(applianceId: string): readonly string[] {
    const site = this.siteOf.get(applianceId);
    const wanted = this.result?.wanted.get(applianceId);
    if (site === undefined || !wanted) return [];
    return (this.order.get(site) ?? []).filter((f) => wanted.has(f));
  }

  wantedCount(applianceId: string): number {
    return this.result?.wanted.get(applianceId)?.size ?? 0;
  }

  /** Whether `applianceId` is in the placement (it fills). */
  places(applianceId: string): boolean {
    return this.result?.wanted.has(applianceId) === true;
  }

  wantersOf(site: string, fileId: string): readonly string[] {
    return this.wanters.get(site)?.get(fileId) ?? [];
  }

  /** Every appliance in the placement with its wanted count. */
  counts(): { applianceId: string; wanted: number }[] {
    return [...(this.result?.wanted ?? [])].map(([applianceId, set]) => ({ applianceId, wanted: set.size }));
  }

  private diff(
    next: PlacementResult,
    sites: ReadonlyMap<string, readonly { id: string }[]>,
  ): PlacementChange[] {
    const changes: PlacementChange[] = [];
    for (const [site, list] of sites) {
      for (const { id } of list) {
        const before = this.result?.wanted.get(id) ?? new Set<string>();
        const after = next.wanted.get(id) ?? new Set<string>();
        let added = 0;
        for (const f of after) if (!before.has(f)) added++;
        let removed = 0;
        for (const f of before) if (!after.has(f)) removed++;
        const isNew = !this.result?.wanted.has(id);
        if (added > 0 || removed > 0 || isNew) {
          changes.push({ applianceId: id, site, wanted: after.size, added, removed });
        }
      }
    }
    // An appliance that left placement (lost, disabled, removed) is told too.
    for (const [id, before] of this.result?.wanted ?? []) {
      if (next.wanted.has(id)) continue;
      changes.push({
        applianceId: id,
        site: this.siteOf.get(id) ?? '',
        wanted: 0,
        added: 0,
        removed: before.size,
      });
    }
    return changes;
  }

  private index(result: PlacementResult, sites: ReadonlyMap<string, readonly { id: string }[]>): void {
    this.wanters = new Map();
    this.order = new Map();
    this.siteOf = new Map();
    for (const [site, list] of sites) for (const { id } of list) this.siteOf.set(id, site);
    for (const [site, placed] of result.sites) {
      const byFile = new Map<string, readonly string[]>();
      const order: string[] = [];
      for (const f of placed.files) {
        if (f.placedOn.length === 0) continue;
        byFile.set(f.fileId, f.placedOn);
        order.push(f.fileId);
      }
      this.wanters.set(site, byFile);
      this.order.set(site, order);
    }
  }
}
