// GET /v1/appliances/{id}/manifest's use case: the appliance's plan (placement/manifest-plan.ts)
// with its peer and parent sources turned into signed data-plane URLs. Each URL carries a fill
// token: a URL token (docs/tokens.md) bound to the filling appliance's own address, so the
// peer serves it through its ordinary data plane and the URL is useless from anywhere else.
import { type FillManifest, type FillSource, type KeyEntry, parseIpv4, parseIpv6 } from '@ferry/protocol';
import { normalizeHost } from '../auth/heartbeat-auth.js';
import type { FillConfig } from '../config.js';
import { Errors, FerryError } from '../errors.js';
import type { ControlModel } from '../model/model.js';
import { type ManifestPlan, type PlannedSource, planManifest } from '../placement/manifest-plan.js';
import { manifestVersion } from '../placement/manifest-version.js';
import { signedUrl } from '../steering/sign.js';
import type { CorruptSources } from './corrupt-sources.js';
import { catalogFiles, siteMembers } from './fleet.js';
import type { PlacementState } from './placement-state.js';

export interface ManifestContext {
  model: ControlModel;
  config: FillConfig;
  placement: PlacementState;
  corrupt: CorruptSources;
  /** the URL token key; without one, source URLs are unsigned (appliances run --open) */
  signingKey?(): KeyEntry | undefined;
}

/** The plan for one appliance, unsigned (also what the fill view counts). */
export function planFor(ctx: ManifestContext, applianceId: string, nowMs: number): ManifestPlan {
  const { model, config, placement } = ctx;
  const rec = model.getAppliance(applianceId);
  if (!rec) throw new FerryError(Errors.UNKNOWN_APPLIANCE, `${applianceId} (no heartbeat yet)`);
  const streams = new Map(catalogFiles(model.getCatalog()).map((s) => [s.streamId, s]));
  const wanted = placement.wantedOf(applianceId).flatMap((id) => {
    const s = streams.get(id);
    return s ? [{ id, size: s.size, sha256: s.sha256 }] : [];
  });
  const parent = config.parents[rec.site];
  const prefix = config.originPrefix;
  return planManifest({
    applianceId,
    wanted,
    held: model.inventoryOf(applianceId),
    site: siteMembers(model, rec.site),
    parents: parent === undefined ? [] : siteMembers(model, parent),
    wantersOf: (fileId) => placement.wantersOf(rec.site, fileId),
    excluded: (fileId, source) => ctx.corrupt.excluded(fileId, source, nowMs),
    minCopies: config.minCopies,
    originKey: (fileId) => (prefix === '' ? fileId : `${prefix}/${fileId}`),
    maxPeers: config.maxPeerSources,
    maxParents: config.maxParentSources,
  });
}

export function buildManifest(ctx: ManifestContext, applianceId: string, nowMs: number): FillManifest {
  const plan = planFor(ctx, applianceId, nowMs);
  const rec = ctx.model.getAppliance(applianceId)!;
  // Aligned to steps of the TTL, valid one to two steps: every request within a step gets
  // the same expiry (and the same version), a new step renews the tokens.
  const ttl = ctx.config.sourceTtlSec;
  const sourcesExpireAt = (Math.floor(nowMs / 1000 / ttl) + 2) * ttl;
  const key = ctx.signingKey?.();
  const clientPrefix = fillPrefix(rec.url);
  const toSource = (s: PlannedSource, fileId: string): FillSource => {
    if (s.kind === 'origin') return s;
    const url = key
      ? signedUrl({ baseUrl: s.baseUrl, fileId, key, expiresAt: sourcesExpireAt, clientPrefix })
      : `${s.baseUrl.replace(/\/$/, '')}/v1/c/${fileId}`;
    return { kind: s.kind, applianceId: s.applianceId, url };
  };
  return {
    applianceId,
    version: manifestVersion(plan, sourcesExpireAt),
    generatedAtMs: nowMs,
    files: plan.files.map((f) => ({
      fileId: f.id,
      size: f.size,
      sha256: f.sha256,
      sources: f.sources.map((s) => toSource(s, f.id)),
    })),
    drop: plan.drop,
    sourcesExpireAt,
  };
}

/**
 * The prefix a fill token is bound to: the filling appliance's own address, the host of its
 * heartbeat url (`/32`, or `/128` for IPv6). A url naming a host by name binds nothing ('').
 */
export function fillPrefix(url: string): string {
  let host: string;
  try {
    host = normalizeHost(new URL(url).hostname);
  } catch {
    return '';
  }
  if (parseIpv4(host)) return `${host}/32`;
  return parseIpv6(host) ? `${host}/128` : '';
}
