// What the dashboard's live stream sends every second (docs/dashboard.md): the fleet as the
// model holds it, each appliance's group for the clickable counts, the actionable items, the
// route consistency of every site and the latest second of steering decisions. Built from
// the in-memory model and the fill views only: never the store, never a network call.
import type { ApplianceView, FillView } from '@ferry/protocol';
import type { FillService } from '../fill/service.js';
import { keyMismatch } from '../keys/choose-signing-key.js';
import type { SigningKeys } from '../keys/signing-keys.js';
import type { ControlModel } from '../model/model.js';
import { listApplianceViews } from '../queries/appliances.js';
import { type RouteConsistency, routeConsistency } from '../queries/route-consistency.js';
import { type ActionItem, actionItems } from './action-items.js';
import type { DecisionSample, SteeringSamples } from './steering-samples.js';

/** The clickable counts: each appliance is in exactly one group, the most urgent first. */
export type FleetGroup = 'unhealthy' | 'draining' | 'turning-up' | 'healthy';

export interface SnapshotAppliance extends ApplianceView {
  group: FleetGroup;
  /** bytes of catalog files it holds (its inventory), 0 without a catalog */
  diskUsedBytes: number;
  /** its servable disks' size as it reported it, null when it reports none */
  diskSizeBytes: number | null;
  fill: FillView | null;
}

export interface SiteSummary {
  site: string;
  appliances: string[];
  prefixes: number;
  consistent: boolean;
  /** prefixes some appliances of the site heard and others did not */
  inconsistent: number;
}

export interface FleetSnapshot {
  nowMs: number;
  counts: Record<FleetGroup | 'total', number>;
  appliances: SnapshotAppliance[];
  sites: SiteSummary[];
  actions: ActionItem[];
  steering: { latest: DecisionSample | null };
  chaos: { configured: boolean; running: number };
}

export interface SnapshotSources {
  model: ControlModel;
  fill: FillService;
  signingKeys?: SigningKeys;
  samples: SteeringSamples;
  chaosConfigured: boolean;
  /** the last consistency computed, reused while no appliance's routes moved */
  consistencyMemo?: { key: string; value: RouteConsistency[] };
}

export function groupOf(a: ApplianceView): FleetGroup {
  if (a.health === 'unhealthy' || a.health === 'unknown') return 'unhealthy';
  if (a.admin.draining || a.reportedState !== 'serving' || a.health === 'draining' || a.health === 'drained')
    return 'draining';
  if (a.turnup && !a.turnup.passed) return 'turning-up';
  return 'healthy';
}

export function buildSnapshot(src: SnapshotSources, nowMs = Date.now()): FleetSnapshot {
  const { model } = src;
  const views = listApplianceViews(model);
  const sizes = fileSizes(model);
  const fills = new Map<string, FillView>();
  const keyProblems = new Map<string, string>();
  const signing = src.signingKeys?.choice().key;
  const appliances: SnapshotAppliance[] = views.map((a) => {
    let fill: FillView | null = null;
    const rec = model.getAppliance(a.id);
    if (rec?.fills) {
      fill = src.fill.view(a.id);
      fills.set(a.id, fill);
    }
    if (signing) {
      const why = keyMismatch(a.keys, signing);
      if (why) keyProblems.set(a.id, why);
    }
    let used = 0;
    for (const f of model.inventoryOf(a.id)) used += sizes.get(f) ?? 0;
    return {
      ...a,
      group: groupOf(a),
      diskUsedBytes: used,
      diskSizeBytes: rec?.diskBytes ?? null,
      fill,
    };
  });
  const consistency = memoConsistency(src, views);
  const counts = { healthy: 0, unhealthy: 0, draining: 0, 'turning-up': 0, total: appliances.length };
  for (const a of appliances) counts[a.group]++;
  return {
    nowMs,
    counts,
    appliances,
    sites: consistency.map((c) => ({
      site: c.site,
      appliances: c.appliances,
      prefixes: c.prefixes,
      consistent: c.consistent,
      inconsistent: c.differences.length,
    })),
    actions: actionItems({ appliances, keyProblems, consistency, fill: fills }),
    steering: { latest: src.samples.samples(1)[0] ?? null },
    chaos: { configured: src.chaosConfigured, running: model.experiments.running().length },
  };
}

/**
 * Comparing the sites' route sets walks every prefix: with full tables that is too much for
 * every second, so it is redone only when some appliance's route version or site changed.
 */
function memoConsistency(src: SnapshotSources, views: readonly ApplianceView[]): RouteConsistency[] {
  const key = views.map((a) => `${a.id}@${a.site}:${a.routesEpoch}:${a.routesVersion}:${a.routes}`).join(',');
  if (src.consistencyMemo?.key !== key) {
    src.consistencyMemo = { key, value: siteConsistency(src.model, views) };
  }
  return src.consistencyMemo.value;
}

export function siteConsistency(model: ControlModel, views: readonly ApplianceView[]): RouteConsistency[] {
  const sites = [...new Set(views.map((a) => a.site))].sort();
  return sites.map((s) => routeConsistency(model, s));
}

function fileSizes(model: ControlModel): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of model.getCatalog()?.titles ?? []) for (const s of t.streams) out.set(s.streamId, s.size);
  return out;
}
