// Wire contracts between appliances, devices and control (DESIGN "Control HTTP"), as
// TypeBox schemas: fastify validates requests against them and TypeScript types come from
// them, so one definition serves both.
import { type Static, Type } from 'typebox';
import { CatalogSegment, StreamKind } from './catalog-schema.js';
import { ChaosReport, SignedChaosOrders } from './chaos.js';
import { FillReport, ServedReport } from './fill.js';
import { HealthStatus } from './health.js';

export const ApplianceState = Type.Union([
  Type.Literal('serving'),
  Type.Literal('draining'),
  Type.Literal('drained'),
]);
export type ApplianceState = Static<typeof ApplianceState>;

/** A route as the appliance's feed reports it (flow 3). */
export const FeedRoute = Type.Object({
  prefix: Type.String({ maxLength: 64 }),
  peer: Type.Optional(Type.String({ maxLength: 128 })),
  /** AS numbers; an AS_SET is a nested array (counts as one for the path length) */
  asPath: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 256 })),
  /** The path attributes steering breaks ties on (route-pref.ts); absent when not sent. */
  localPref: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffff_ffff })),
  med: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffff_ffff })),
  origin: Type.Optional(Type.Union([Type.Literal('igp'), Type.Literal('egp'), Type.Literal('incomplete')])),
});
export type FeedRoute = Static<typeof FeedRoute>;

/**
 * One page of a snapshot too large for one heartbeat: parts 0..count-1 of the snapshot at
 * (epoch, version), sent in order; control swaps the set in when the last one arrives.
 */
export const SnapshotPart = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  count: Type.Integer({ minimum: 1, maximum: 100_000 }),
});
export type SnapshotPart = Static<typeof SnapshotPart>;

/**
 * Routes in a heartbeat: a full snapshot first (and whenever control asks for a resync),
 * versioned deltas after. `epoch` changes when the appliance restarts its feed. A large
 * snapshot comes in parts (`part`); without it a snapshot is complete in itself.
 */
export const RoutesReport = Type.Union([
  Type.Object({
    kind: Type.Literal('snapshot'),
    epoch: Type.String({ maxLength: 64 }),
    version: Type.Integer({ minimum: 0 }),
    part: Type.Optional(SnapshotPart),
    routes: Type.Array(FeedRoute, { maxItems: 5_000_000 }),
  }),
  Type.Object({
    kind: Type.Literal('delta'),
    epoch: Type.String({ maxLength: 64 }),
    since: Type.Integer({ minimum: 0 }),
    version: Type.Integer({ minimum: 0 }),
    announced: Type.Array(FeedRoute, { maxItems: 5_000_000 }),
    withdrawn: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 5_000_000 }),
  }),
]);
export type RoutesReport = Static<typeof RoutesReport>;

/** Files held: the whole list first, then changes (same versioning idea as routes). */
export const InventoryReport = Type.Union([
  Type.Object({
    kind: Type.Literal('full'),
    version: Type.Integer({ minimum: 0 }),
    files: Type.Array(Type.String({ maxLength: 128 })),
  }),
  Type.Object({
    kind: Type.Literal('delta'),
    since: Type.Integer({ minimum: 0 }),
    version: Type.Integer({ minimum: 0 }),
    added: Type.Array(Type.String({ maxLength: 128 })),
    removed: Type.Array(Type.String({ maxLength: 128 })),
  }),
]);
export type InventoryReport = Static<typeof InventoryReport>;

/** At most this many keys are reported; key files hold two in a rotation (docs/tokens.md). */
export const MAX_REPORTED_KEYS = 8;

/**
 * A URL token key the appliance verifies with: its id and its public fingerprint
 * (`keyFingerprint`), so control can tell a key of the same id but another secret.
 */
export const HeldKey = Type.Object({
  id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$' }),
  fingerprint: Type.String({ minLength: 1, maxLength: 32 }),
});
export type HeldKey = Static<typeof HeldKey>;

/** One turn-up check's result: `name` is one of TURNUP_CHECKS. */
export const TurnupCheck = Type.Object({
  name: Type.String({ maxLength: 32 }),
  ok: Type.Boolean(),
  /** what was found, or why it failed, in a line an ISP engineer can act on */
  detail: Type.String({ maxLength: 512 }),
});
export type TurnupCheck = Static<typeof TurnupCheck>;

/** The checks `ferry appliance check` runs, in order (docs/install.md "Turn-up"). */
export const TURNUP_CHECKS = ['disks', 'store-index', 'keys', 'control', 'bgp', 'test-range'] as const;

export const TurnupReport = Type.Object({
  passed: Type.Boolean(),
  /** when the checks last ran, ms since the epoch */
  checkedMs: Type.Number({ minimum: 0 }),
  checks: Type.Array(TurnupCheck, { maxItems: 16 }),
});
export type TurnupReport = Static<typeof TurnupReport>;

/** Why control wants an appliance drained (HeartbeatReply.drain). */
export const DrainOrder = Type.Object({
  /** 'operator': drained through control's API; 'maintenance': inside a scheduled window */
  cause: Type.Union([Type.Literal('operator'), Type.Literal('maintenance')]),
  reason: Type.String({ maxLength: 200 }),
});
export type DrainOrder = Static<typeof DrainOrder>;

/** seq stays below 2^31: a boot at one heartbeat a second never reaches it. */
export const MAX_HEARTBEAT_SEQ = 2 ** 31;

export const Heartbeat = Type.Object({
  /** base URL devices fetch from, e.g. http://127.0.0.11:8080 */
  url: Type.String({ maxLength: 256 }),
  site: Type.String({ minLength: 1, maxLength: 64 }),
  version: Type.String({ maxLength: 32 }),
  state: ApplianceState,
  /**
   * random id of this appliance process (16 base64url characters): a new boot tells control
   * the process restarted, so its `seq` starts again and its reports come in full
   */
  boot: Type.String({ pattern: '^[A-Za-z0-9_-]{16}$' }),
  /** 0 and up within one boot; control ignores a heartbeat at or below the last of its boot */
  seq: Type.Integer({ minimum: 0, maximum: MAX_HEARTBEAT_SEQ }),
  load: Type.Object({
    bitsPerSecond: Type.Number({ minimum: 0 }),
    connections: Type.Integer({ minimum: 0 }),
  }),
  capacity: Type.Object({ bitsPerSecond: Type.Number({ minimum: 0 }) }),
  disks: Type.Array(
    Type.Object({
      id: Type.String({ maxLength: 128 }),
      state: Type.String({ maxLength: 16 }),
      /** bytes of content held */
      bytes: Type.Number({ minimum: 0 }),
      /** the filesystem's size (statfs): what placement may fill; absent from older appliances */
      sizeBytes: Type.Optional(Type.Number({ minimum: 0 })),
    }),
    { maxItems: 64 },
  ),
  inventory: Type.Optional(InventoryReport),
  routes: Type.Optional(RoutesReport),
  /**
   * The token keys the appliance verifies with, in key-file order; `[]` for an `--open`
   * appliance. Optional so that an appliance from before key reports is still heard.
   */
  keys: Type.Optional(Type.Array(HeldKey, { maxItems: MAX_REPORTED_KEYS })),
  /**
   * Responses since this boot, counted as sent: all of them, and those that failed the
   * viewer (5xx, or a body cut short). Control's chaos abort conditions read the rate.
   */
  responses: Type.Optional(
    Type.Object({
      total: Type.Integer({ minimum: 0 }),
      failed: Type.Integer({ minimum: 0 }),
    }),
  ),
  /** chaos mode and the faults running (docs/chaos.md); absent from older appliances */
  chaos: Type.Optional(ChaosReport),
  /** fill progress (docs/fill.md); absent from an appliance that does not fill */
  fill: Type.Optional(FillReport),
  /** body bytes served per file since the last heartbeat: popularity for placement */
  served: Type.Optional(ServedReport),
  /**
   * Turn-up checks (`ferry appliance check`, docs/install.md "Turn-up"): until `passed`,
   * control does not steer to this appliance and shows it as turning up, with the failed
   * checks as the reason. Absent from older appliances: treated as passed.
   */
  turnup: Type.Optional(TurnupReport),
});
export type Heartbeat = Static<typeof Heartbeat>;

/** Control's answer: what it needs next from this appliance. */
export const HeartbeatReply = Type.Object({
  /** send a full routes snapshot in the next heartbeat */
  routesResync: Type.Boolean(),
  /** send the full inventory in the next heartbeat */
  inventoryResync: Type.Boolean(),
  /** a snapshot part was taken and more are due: send the next one now, not an interval later */
  routesNext: Type.Optional(Type.Boolean()),
  /** control's view of the appliance, for its logs */
  health: HealthStatus,
  intervalMs: Type.Integer({ minimum: 100 }),
  /** chaos orders signed by control's chaos key; absent: no fault is wanted */
  chaos: Type.Optional(SignedChaosOrders),
  /**
   * Present: an operator wants this appliance drained (a drain ordered through control, or a
   * maintenance window in progress). The appliance drains as its own `POST /v1/drain` does
   * and undrains when a later reply no longer carries it; a drain ordered locally on the
   * appliance is the ISP's and is not undone by control.
   */
  drain: Type.Optional(DrainOrder),
  /**
   * The token key control signs URLs with now (docs/tokens.md "Which key control signs
   * with"), by id and fingerprint: the appliance's `keys` turn-up check passes only when it
   * holds this key. Absent when control signs nothing (no --token-key-file).
   */
  signingKey: Type.Optional(HeldKey),
});
export type HeartbeatReply = Static<typeof HeartbeatReply>;

export const SteerRequest = Type.Object({
  titleId: Type.String({ minLength: 1, maxLength: 128 }),
});
export type SteerRequest = Static<typeof SteerRequest>;

export const SteerUrl = Type.Object({
  rank: Type.Integer({ minimum: 1 }),
  url: Type.String(),
  applianceId: Type.String(),
  site: Type.String(),
});
export type SteerUrl = Static<typeof SteerUrl>;

/**
 * One stream of a steering answer. The segment list is not in it (it never changes for a
 * catalog entry and is most of a title's bytes): a player GETs `indexUrl` once and caches it.
 */
export const SteerStream = Type.Object({
  streamId: Type.String(),
  kind: StreamKind,
  bitrate: Type.Number(),
  size: Type.Number(),
  /** how many segments the stream's index lists */
  segmentCount: Type.Integer({ minimum: 0 }),
  /** the stream's SegmentIndex, a path on control (resolve it against control's base URL) */
  indexUrl: Type.String(),
  urls: Type.Array(SteerUrl),
});
export type SteerStream = Static<typeof SteerStream>;

/**
 * GET /v1/titles/{titleId}/streams/{streamId}/segments: one stream's segments, the same for
 * every client (no credentials, ETag and Cache-Control), so players and caches keep it.
 */
export const SegmentIndex = Type.Object({
  titleId: Type.String(),
  streamId: Type.String(),
  segments: Type.Array(CatalogSegment),
});
export type SegmentIndex = Static<typeof SegmentIndex>;

/** The path of a stream's SegmentIndex on control. */
export function segmentIndexPath(titleId: string, streamId: string): string {
  return `/v1/titles/${encodeURIComponent(titleId)}/streams/${encodeURIComponent(streamId)}/segments`;
}

/** DESIGN: POST /v1/steer → { titleId, expiresAt, streams: [...] } */
export const SteerResponse = Type.Object({
  titleId: Type.String(),
  /** unix seconds */
  expiresAt: Type.Integer(),
  /** the BGP prefix the client matched ('' when only fallback sites serve it) */
  clientPrefix: Type.String(),
  streams: Type.Array(SteerStream),
});
export type SteerResponse = Static<typeof SteerResponse>;

export const ErrorBody = Type.Object({ error: Type.String(), message: Type.String() });
export type ErrorBody = Static<typeof ErrorBody>;
