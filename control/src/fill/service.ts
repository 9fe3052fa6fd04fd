// Fill on control's side (DESIGN flow 5, docs/fill.md): popularity from the appliances'
// `served` reports and from steering's content misses, the placement in force, each
// appliance's manifest and fill view, and the fill events. Heartbeats hand their reports in
// (ingest/heartbeat.ts); the manifest and fill handlers read from here.
import type { Catalog, FillManifest, FillView, Heartbeat, KeyEntry } from '@ferry/protocol';
import { isServing } from '@ferry/protocol';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import type { FillConfig } from '../config.js';
import { Errors, FerryError } from '../errors.js';
import type { ControlModel } from '../model/model.js';
import { Popularity } from '../placement/popularity.js';
import type { ControlEvent, StateStore } from '../state/store.js';
import { CorruptSources } from './corrupt-sources.js';
import { fillDone, fillView } from './fill-view.js';
import { catalogFiles } from './fleet.js';
import { buildManifest, type ManifestContext } from './manifests.js';
import { type PlacementChange, PlacementState } from './placement-state.js';
import { sourceAppliance } from './source-names.js';

export interface FillCounters {
  recomputes: Counter<'result'>;
  corrupt: Counter<'source_kind'>;
}

export interface FillServiceOptions {
  model: ControlModel;
  store: Pick<StateStore, 'appendEvent'>;
  config: FillConfig;
  logger: Logger;
  counters: FillCounters;
  signingKey?(): KeyEntry | undefined;
  /** tests: the clock and the period placement is checked on (default 1000 ms) */
  now?(): number;
  tickMs?: number;
}

/** Per appliance in placement: what the fill metrics show. */
export interface FillStat {
  applianceId: string;
  wanted: number;
  /** from its last report; undefined before one */
  bytesToGo: number | undefined;
}

export class FillService {
  readonly popularity: Popularity;
  readonly placement: PlacementState;
  private readonly corrupt: CorruptSources;
  private readonly asked = new Set<string>();
  private readonly now: () => number;
  private readonly manifests: ManifestContext;
  private catalog: Catalog | undefined;
  private priors = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: FillServiceOptions) {
    this.now = opts.now ?? Date.now;
    this.popularity = new Popularity(opts.config.halfLifeMs, this.now());
    this.corrupt = new CorruptSources(opts.config.corruptExcludeMs);
    this.placement = new PlacementState({
      model: opts.model,
      config: opts.config,
      popularity: this.popularity,
      askedManifest: this.asked,
      count: (result) => opts.counters.recomputes.inc({ result }),
      onChange: (changes) => this.placementChanged(changes),
    });
    this.manifests = {
      model: opts.model,
      config: opts.config,
      placement: this.placement,
      corrupt: this.corrupt,
      ...(opts.signingKey ? { signingKey: opts.signingKey } : {}),
    };
  }

  start(): void {
    const tick = () => {
      try {
        this.refresh();
      } catch (err) {
        this.opts.logger.error({ err }, 'fill: recomputing placement failed');
      }
    };
    this.timer = setInterval(tick, this.opts.tickMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Brings popularity's catalog base and the placement up to date. */
  refresh(): void {
    const now = this.now();
    this.syncCatalog(now);
    this.placement.refresh(now);
  }

  /** A heartbeat's `served` and `fill` (after its record is stored; never for a stale one). */
  async onHeartbeat(applianceId: string, hb: Heartbeat): Promise<void> {
    const { model } = this.opts;
    const now = this.now();
    if (hb.served) {
      this.syncCatalog(now);
      for (const s of hb.served) {
        // Only catalog files: a report cannot grow control's memory with made-up ids.
        if (this.priors.has(s.fileId)) this.popularity.add(hb.site, s.fileId, s.bytes, now);
      }
    }
    if (!hb.fill) return;
    const prev = model.fillReports.get(applianceId)?.report;
    model.fillReports.set(applianceId, hb.fill, now);
    const events: ControlEvent[] = [];
    for (const c of hb.fill.corrupt) {
      const source = sourceAppliance(model, c.source);
      this.opts.counters.corrupt.inc({ source_kind: source ? 'appliance' : 'origin' });
      if (source) this.corrupt.note(c.fileId, source, now);
      events.push({
        timeMs: now,
        applianceId,
        kind: 'fill-corrupt',
        reason: `${c.fileId} from ${c.source}: sha256 mismatch${source ? `, ${source} left out as its source` : ''}`,
        detail: { fileId: c.fileId, source: c.source, ...(source ? { sourceAppliance: source } : {}) },
      });
    }
    if (prev && !fillDone(prev) && fillDone(hb.fill)) {
      events.push({
        timeMs: now,
        applianceId,
        kind: 'fill-done',
        reason: `${hb.fill.held} of ${hb.fill.wanted} files held (manifest ${hb.fill.manifestVersion})`,
        detail: { manifestVersion: hb.fill.manifestVersion, files: hb.fill.held },
      });
    }
    for (const ev of events) await this.opts.store.appendEvent(ev);
  }

  /**
   * Steering found no appliance of `sites` (the client's own network) holding `fileId`: a
   * viewer there wanted it, so it counts as served there.
   */
  noteContentMiss(fileId: string, sizeBytes: number, sites: readonly string[]): void {
    const now = this.now();
    for (const site of sites) this.popularity.add(site, fileId, sizeBytes * this.opts.config.missShare, now);
  }

  /** The manifest for `applianceId`, which asked for it itself (it fills from now on). */
  manifestForAppliance(applianceId: string): FillManifest {
    this.asked.add(applianceId);
    return this.manifest(applianceId);
  }

  /** The manifest for `applianceId` as it stands now (an operator's read changes nothing). */
  manifest(applianceId: string): FillManifest {
    this.refresh();
    return buildManifest(this.manifests, applianceId, this.now());
  }

  view(applianceId: string): FillView {
    this.refresh();
    if (!this.opts.model.getAppliance(applianceId))
      throw new FerryError(Errors.UNKNOWN_APPLIANCE, applianceId);
    const held = this.opts.model.fillReports.get(applianceId)?.report;
    const inventory = this.opts.model.inventoryOf(applianceId);
    const wantedIds = this.placement.wantedOf(applianceId);
    const sizes = new Map(catalogFiles(this.opts.model.getCatalog()).map((s) => [s.streamId, s.size]));
    let bytesToGo = 0;
    let holding = 0;
    for (const f of wantedIds) {
      if (inventory.has(f)) holding++;
      else bytesToGo += sizes.get(f) ?? 0;
    }
    return fillView(applianceId, held, { wanted: wantedIds.length, held: holding, bytesToGo });
  }

  /** What the fill metrics show per appliance. */
  stats(): FillStat[] {
    const { model } = this.opts;
    return this.placement.counts().map(({ applianceId, wanted }) => ({
      applianceId,
      wanted,
      bytesToGo: model.fillReports.get(applianceId)?.report.bytesToGo,
    }));
  }

  /** Per site: catalog files that enough serving appliances there hold (`--fill-min-copies`). */
  liveFiles(): Map<string, number> {
    const { model, config } = this.opts;
    const bySite = new Map<string, string[]>();
    for (const rec of model.listAppliances()) {
      if (!isServing(rec.health) || model.isDisabled(rec.id)) continue;
      const ids = bySite.get(rec.site);
      if (ids) ids.push(rec.id);
      else bySite.set(rec.site, [rec.id]);
    }
    const out = new Map<string, number>();
    const files = catalogFiles(model.getCatalog());
    for (const [site, ids] of bySite) {
      const inventories = ids.map((id) => model.inventoryOf(id));
      let live = 0;
      for (const f of files) {
        let copies = 0;
        for (const inv of inventories) if (inv.has(f.streamId)) copies++;
        if (copies >= config.minCopies) live++;
      }
      out.set(site, live);
    }
    return out;
  }

  /** Seeds popularity from a new catalog's initial values and forgets files it dropped. */
  private syncCatalog(now: number): void {
    const catalog = this.opts.model.getCatalog();
    if (catalog === this.catalog) return;
    this.catalog = catalog;
    const priors = new Map<string, number>();
    for (const s of catalogFiles(catalog)) {
      const prior = s.popularity ?? 0;
      priors.set(s.streamId, prior);
      // A catalog posted again with the same values must not bring decayed popularity back up.
      if (this.priors.get(s.streamId) !== prior) this.popularity.setBase(s.streamId, prior, now);
    }
    this.popularity.retain(new Set(priors.keys()));
    this.priors = priors;
  }

  private placementChanged(changes: PlacementChange[]): void {
    const now = this.now();
    for (const c of changes) {
      const ev: ControlEvent = {
        timeMs: now,
        applianceId: c.applianceId,
        kind: 'placement',
        reason: `${c.wanted} file(s) wanted (+${c.added} −${c.removed})`,
        detail: { site: c.site, wanted: c.wanted, added: c.added, removed: c.removed },
      };
      this.opts.store
        .appendEvent(ev)
        .catch((err: unknown) =>
          this.opts.logger.error({ err, event: ev }, 'fill: recording a placement event failed'),
        );
    }
  }
}
