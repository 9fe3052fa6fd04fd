// Control-local request schemas (path params and queries). The answers and every shape other
// parts share are wire contracts in @ferry/protocol.
import { FILE_ID_PATTERN } from '@ferry/protocol';
import { Type } from 'typebox';

export const APPLIANCE_ID = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' });
export const SITE_NAME = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' });

export const ApplianceParams = Type.Object({ id: APPLIANCE_ID });

export const EventsQuery = Type.Object({
  appliance: Type.Optional(APPLIANCE_ID),
  experiment: Type.Optional(
    Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'a chaos experiment id' }),
  ),
  since: Type.Optional(Type.Integer({ minimum: 0, description: 'ms since epoch, inclusive' })),
  until: Type.Optional(Type.Integer({ minimum: 0, description: 'ms since epoch' })),
  limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }),
});

export const LookupQuery = Type.Object({ ip: Type.String({ minLength: 1, maxLength: 64 }) });

export const SiteParams = Type.Object({ site: SITE_NAME });

export const TitleParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

export const StreamParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 128 }),
  streamId: Type.String({ pattern: FILE_ID_PATTERN.source }),
});

/** GET /v1/sites/{site}/route-consistency: an operator's view, not a shared contract. */
export const RouteConsistencyView = Type.Object({
  site: Type.String(),
  appliances: Type.Array(Type.String()),
  prefixes: Type.Integer({ description: 'distinct prefixes heard in the site' }),
  consistent: Type.Boolean(),
  differences: Type.Array(
    Type.Object({
      prefix: Type.String(),
      heardBy: Type.Array(Type.String()),
      missingFrom: Type.Array(Type.String()),
    }),
  ),
  truncated: Type.Boolean(),
});
