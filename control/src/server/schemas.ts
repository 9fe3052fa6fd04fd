// Control-side request and reply schemas that are not wire contracts shared with other
// parts (those live in @ferry/protocol).
import { Type } from 'typebox';

export const APPLIANCE_ID = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' });
export const SITE_NAME = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' });

export const ApplianceParams = Type.Object({ id: APPLIANCE_ID });

export const ApplianceView = Type.Object({
  id: Type.String(),
  site: Type.String(),
  url: Type.String(),
  version: Type.String(),
  reportedState: Type.String(),
  health: Type.String(),
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
});

export const EventsQuery = Type.Object({
  appliance: Type.Optional(APPLIANCE_ID),
  since: Type.Optional(Type.Integer({ minimum: 0, description: 'ms since epoch, inclusive' })),
  until: Type.Optional(Type.Integer({ minimum: 0, description: 'ms since epoch' })),
  limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }),
});

export const LookupQuery = Type.Object({ ip: Type.String({ minLength: 1, maxLength: 64 }) });

export const SiteParams = Type.Object({ site: SITE_NAME });

export const TitleParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

const Segment = Type.Object({
  index: Type.Integer(),
  start: Type.Number(),
  length: Type.Number(),
  durationSec: Type.Number(),
});

export const TitleView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  durationSec: Type.Number(),
  streams: Type.Array(
    Type.Object({
      streamId: Type.String(),
      kind: Type.Union([Type.Literal('video'), Type.Literal('audio')]),
      bitrate: Type.Number(),
      width: Type.Optional(Type.Integer()),
      height: Type.Optional(Type.Integer()),
      size: Type.Number(),
      sha256: Type.String(),
      segmentDurationSec: Type.Number(),
      segments: Type.Array(Segment),
    }),
  ),
});
