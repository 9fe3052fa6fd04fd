// What control answers to reads (DESIGN "Control HTTP"): the registry, one title, a route
// lookup, the catalog receipt and liveness. Control serialises with these schemas (and
// documents them at /docs); its clients type and check answers with the same ones.
import { type Static, Type } from 'typebox';
import { CatalogTitle } from './catalog-schema.js';
import { ApplianceState, HeldKey, TurnupReport } from './control-api.js';
import { HealthStatus } from './health.js';

/** A scheduled maintenance window: control drains the appliance from startMs to endMs. */
export const MaintenanceWindow = Type.Object({
  startMs: Type.Number({ minimum: 0 }),
  endMs: Type.Number({ minimum: 0 }),
  reason: Type.String({ maxLength: 200 }),
  by: Type.String({ maxLength: 64 }),
});
export type MaintenanceWindow = Static<typeof MaintenanceWindow>;

/**
 * An appliance's admin state as control keeps it (persisted in the state store): `drain`
 * set by POST /v1/appliances/{id}/drain and cleared by …/undrain; `maintenance` by PUT and
 * DELETE /v1/appliances/{id}/maintenance. `draining` is what control orders now (the drain,
 * or the window in progress); the appliance's own `reportedState` says whether it obeyed.
 */
export const AdminStateView = Type.Object({
  drain: Type.Union([
    Type.Null(),
    Type.Object({ reason: Type.String(), by: Type.String(), sinceMs: Type.Number() }),
  ]),
  maintenance: Type.Union([Type.Null(), MaintenanceWindow]),
  draining: Type.Boolean(),
});
export type AdminStateView = Static<typeof AdminStateView>;

/** GET /v1/appliances/{id}, and each entry of GET /v1/appliances. */
export const ApplianceView = Type.Object({
  id: Type.String(),
  site: Type.String(),
  url: Type.String(),
  version: Type.String(),
  reportedState: ApplianceState,
  health: HealthStatus,
  healthReason: Type.String(),
  capacityBps: Type.Number(),
  loadBps: Type.Number(),
  connections: Type.Number(),
  lastHeartbeatMs: Type.Number(),
  registeredMs: Type.Number(),
  routes: Type.Integer({ description: 'prefixes heard over BGP' }),
  routesEpoch: Type.Union([Type.String(), Type.Null()]),
  routesVersion: Type.Union([Type.Integer(), Type.Null()]),
  files: Type.Integer({ description: 'files held' }),
  inventoryVersion: Type.Union([Type.Integer(), Type.Null()]),
  keys: Type.Array(HeldKey, { description: 'token keys it verifies with; [] when open or not reported' }),
  /** its chaos mode as last reported; absent when it never reported one (docs/chaos.md) */
  chaos: Type.Optional(Type.Union([Type.Literal('on'), Type.Literal('off')])),
  /** `unenrolled`: a record from before enrollment, whose heartbeats are now refused */
  enrollment: Type.Union([Type.Literal('enrolled'), Type.Literal('disabled'), Type.Literal('unenrolled')]),
  /** what operators asked of it through control (drain, maintenance); docs/control.md "Admin state" */
  admin: AdminStateView,
  /** its last turn-up report; absent from appliances that send none (counted as passed) */
  turnup: Type.Optional(TurnupReport),
});
export type ApplianceView = Static<typeof ApplianceView>;

/** POST /v1/appliances/{id}/drain */
export const DrainRequest = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 200 })) });
export type DrainRequest = Static<typeof DrainRequest>;

/** PUT /v1/appliances/{id}/maintenance: endMs after startMs, at most 7 days long */
export const MaintenanceRequest = Type.Object({
  startMs: Type.Number({ minimum: 0 }),
  endMs: Type.Number({ minimum: 0 }),
  reason: Type.Optional(Type.String({ maxLength: 200 })),
});
export type MaintenanceRequest = Static<typeof MaintenanceRequest>;

/**
 * POST /v1/appliances: an operator enrolls an appliance's identity key. `urlHosts` are the
 * hosts its heartbeat `url` may name; empty: only the address its heartbeats come from.
 */
export const EnrollRequest = Type.Object({
  id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }),
  site: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }),
  /** raw Ed25519 public key, base64url (what `ferry keys identity` prints) */
  publicKey: Type.String({ minLength: 43, maxLength: 43 }),
  urlHosts: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.:_-]+$' }), {
      maxItems: 16,
    }),
  ),
});
export type EnrollRequest = Static<typeof EnrollRequest>;

/** An enrolled identity: who may heartbeat as `id`, from which site, naming which hosts. */
export const ApplianceIdentityView = Type.Object({
  id: Type.String(),
  site: Type.String(),
  publicKey: Type.String(),
  urlHosts: Type.Array(Type.String()),
  disabled: Type.Boolean(),
  enrolledMs: Type.Number(),
});
export type ApplianceIdentityView = Static<typeof ApplianceIdentityView>;

/** GET /v1/appliances: appliances that heartbeat, and every enrolled identity (silent ones too). */
export const ApplianceList = Type.Object({
  appliances: Type.Array(ApplianceView),
  identities: Type.Array(ApplianceIdentityView),
});
export type ApplianceList = Static<typeof ApplianceList>;

/** GET /v1/titles/{id}: the catalog entry as posted, streams and segments included. */
export const TitleView = CatalogTitle;
export type TitleView = Static<typeof TitleView>;

export const LookupAppliance = Type.Object({
  id: Type.String(),
  site: Type.String(),
  health: HealthStatus,
  url: Type.String(),
});
export type LookupAppliance = Static<typeof LookupAppliance>;

/** What steering breaks ties on for one appliance's route (protocol route-pref.ts). */
export const PathPrefView = Type.Object({
  localPref: Type.Integer(),
  asPathLength: Type.Integer(),
  /** 0 IGP, 1 EGP, 2 INCOMPLETE */
  origin: Type.Integer(),
  med: Type.Integer(),
  neighborAs: Type.Integer(),
});

export const CoveringPrefixView = Type.Object({
  prefix: Type.String(),
  applianceIds: Type.Array(Type.String()),
  /** per applianceIds entry: its route's preference, null when it reported none */
  prefs: Type.Optional(Type.Array(Type.Union([PathPrefView, Type.Null()]))),
});

/** GET /v1/routes/lookup?ip=: the most specific prefix, its appliances, every covering prefix. */
export const RouteLookup = Type.Object({
  ip: Type.String(),
  prefix: Type.Union([Type.String(), Type.Null()]),
  appliances: Type.Array(LookupAppliance),
  covering: Type.Array(CoveringPrefixView),
});
export type RouteLookup = Static<typeof RouteLookup>;

/** POST /v1/catalog: how much of it control now serves. */
export const CatalogAccepted = Type.Object({ titles: Type.Integer(), streams: Type.Integer() });
export type CatalogAccepted = Static<typeof CatalogAccepted>;

/** GET /healthz on control. */
export const ControlHealthz = Type.Object({
  ok: Type.Boolean(),
  backend: Type.String(),
  appliances: Type.Integer(),
  /** a shared store (Redis) only: whether it takes writes, or they are held in memory */
  store: Type.Optional(
    Type.Object({
      up: Type.Boolean(),
      phase: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('catching-up')]),
      buffered: Type.Integer(),
      reseeds: Type.Integer(),
    }),
  ),
});
export type ControlHealthz = Static<typeof ControlHealthz>;

/** One entry of GET /v1/events: registrations, health transitions, resyncs, chaos. */
export const EventView = Type.Object({
  seq: Type.Optional(Type.Integer()),
  timeMs: Type.Number(),
  applianceId: Type.Optional(Type.String()),
  kind: Type.String(),
  from: Type.Optional(Type.String()),
  to: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
  /** the chaos experiment it is about (docs/chaos.md "Events") */
  experimentId: Type.Optional(Type.String()),
  /** structured parameters: a chaos experiment's kind, target, params, the rule that refused it… */
  detail: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type EventView = Static<typeof EventView>;

export const ControlEvents = Type.Object({ events: Type.Array(EventView) });
export type ControlEvents = Static<typeof ControlEvents>;

/** GET /v1/events query: by appliance or chaos experiment, ms since epoch (since inclusive), newest `limit`. */
export interface EventQuery {
  appliance?: string;
  experiment?: string;
  since?: number;
  until?: number;
  limit?: number;
}
