// Fill (DESIGN flow 5): what control wants each appliance to hold, where it may fetch each
// file from, and what the appliance reports back. Control computes placement from the
// catalog, reported capacity and popularity; the appliance asks for its manifest
// (`GET /v1/appliances/{id}/manifest`, signed like its heartbeats), fills inside its fill
// window under a rate cap from the ranked sources, verifies sha256 before a file becomes
// servable, and reports progress, corrupt sources and bytes served per file in heartbeats.
import { type Static, Type } from 'typebox';

const FileId = Type.String({ minLength: 1, maxLength: 128 });

/**
 * One place a file can be fetched from, best first in a manifest:
 * - `peer`: an appliance of the same site that holds it (a data-plane URL with a URL token
 *   bound to the filling appliance's address: a fill token);
 * - `parent`: an appliance of a parent tier (same URL form);
 * - `origin`: the origin, by object key; the appliance reaches its origin with its own
 *   configuration (`--origin`: an S3 bucket and endpoint, or a directory) and credentials,
 *   which control never sees.
 */
export const FillSource = Type.Union([
  Type.Object({
    kind: Type.Union([Type.Literal('peer'), Type.Literal('parent')]),
    applianceId: Type.String({ maxLength: 64 }),
    url: Type.String({ maxLength: 2048 }),
  }),
  Type.Object({
    kind: Type.Literal('origin'),
    key: Type.String({ minLength: 1, maxLength: 1024 }),
  }),
]);
export type FillSource = Static<typeof FillSource>;

export const ManifestFile = Type.Object({
  fileId: FileId,
  size: Type.Integer({ minimum: 0 }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  sources: Type.Array(FillSource, { maxItems: 16 }),
});
export type ManifestFile = Static<typeof ManifestFile>;

/** GET /v1/appliances/{id}/manifest */
export const FillManifest = Type.Object({
  applianceId: Type.String(),
  /** changes whenever the wanted set or a source list changes */
  version: Type.Integer({ minimum: 0 }),
  generatedAtMs: Type.Integer({ minimum: 0 }),
  /** every file the appliance should hold, most popular first */
  files: Type.Array(ManifestFile, { maxItems: 1_000_000 }),
  /** files it holds that control no longer wants: evicted after the appliance's grace period */
  drop: Type.Array(FileId, { maxItems: 1_000_000 }),
  /** how long a source URL stays valid (its token's expiry), unix seconds */
  sourcesExpireAt: Type.Integer({ minimum: 0 }),
});
export type FillManifest = Static<typeof FillManifest>;

/** In each heartbeat: how filling goes. */
export const FillReport = Type.Object({
  /** the manifest version being worked on; null before the first manifest */
  manifestVersion: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  wanted: Type.Integer({ minimum: 0 }),
  held: Type.Integer({ minimum: 0 }),
  filling: Type.Integer({ minimum: 0 }),
  failed: Type.Integer({ minimum: 0 }),
  bytesToGo: Type.Number({ minimum: 0 }),
  /** fill rate over the last interval */
  bytesPerSec: Type.Number({ minimum: 0 }),
  /** 'open' inside the fill window, 'closed' outside it */
  window: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
  /** sources that sent bytes whose sha256 did not match, since the last heartbeat */
  corrupt: Type.Array(Type.Object({ fileId: FileId, source: Type.String({ maxLength: 128 }) }), {
    maxItems: 256,
  }),
  /** the last failures, newest first */
  errors: Type.Array(
    Type.Object({
      fileId: FileId,
      source: Type.String({ maxLength: 128 }),
      error: Type.String({ maxLength: 256 }),
    }),
    { maxItems: 32 },
  ),
});
export type FillReport = Static<typeof FillReport>;

/** In each heartbeat: body bytes served per file since the last one (popularity). */
export const ServedReport = Type.Array(Type.Object({ fileId: FileId, bytes: Type.Number({ minimum: 0 }) }), {
  maxItems: 100_000,
});
export type ServedReport = Static<typeof ServedReport>;

/** GET /v1/appliances/{id}/fill: the operator's view of one appliance's fill. */
export const FillView = Type.Object({
  applianceId: Type.String(),
  manifestVersion: Type.Union([Type.Integer(), Type.Null()]),
  wanted: Type.Integer(),
  held: Type.Integer(),
  filling: Type.Integer(),
  failed: Type.Integer(),
  bytesToGo: Type.Number(),
  bytesPerSec: Type.Number(),
  /** seconds until done at the current rate; null when not filling */
  etaSec: Type.Union([Type.Number(), Type.Null()]),
  window: Type.Union([Type.Literal('open'), Type.Literal('closed'), Type.Literal('unknown')]),
  errors: FillReport.properties.errors,
});
export type FillView = Static<typeof FillView>;
