// What every HTTP handler needs, in one object handed to each handler module. Handlers
// validate, call a use case (ingest/, steering/, queries/) and serialise; nothing else.
import type { NonceCache } from '@ferry/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { OperatorAccess } from '../auth/operator-access.js';
import type { AuthRefusals } from '../auth/refusals.js';
import type { ChaosService } from '../chaos/service.js';
import type { ControlConfig } from '../config.js';
import type { FillService } from '../fill/service.js';
import type { HeartbeatIngest } from '../ingest/heartbeat.js';
import type { ControlModel } from '../model/model.js';
import type { StoreStatus } from '../state/resilient-store.js';
import type { StateStore } from '../state/store.js';
import type { RateLimiter } from '../steering/rate-limit.js';
import type { SteeringOptions } from '../steering/steer.js';
import type { UiSessions } from '../ui/sessions.js';
import type { ClientAddressResolver } from './client-address.js';
import type { ControlMetrics } from './metrics.js';

export interface ControlContext {
  config: ControlConfig;
  store: StateStore;
  /** a shared store's phase (Redis); undefined for SQLite */
  storeStatus: (() => StoreStatus) | undefined;
  /** read by the query handlers; written only through ingest/ */
  model: ControlModel;
  metrics: ControlMetrics;
  heartbeats: HeartbeatIngest;
  /** chaos experiments; `configured` is false without --chaos-key */
  chaos: ChaosService;
  /** placement, manifests and fill views */
  fill: FillService;
  steering: SteeringOptions;
  clientAddress: ClientAddressResolver;
  /** per client address on POST /v1/steer; absent when --steer-rate-limit is 0 */
  steerLimit?: RateLimiter;
  /** operator tokens (roles) for the calls that change or expose the fleet */
  access: OperatorAccess;
  /** counts and logs every refused credential */
  refusals: AuthRefusals;
  /** the dashboard's login sessions (docs/dashboard.md); absent: cookies are not credentials */
  sessions?: UiSessions;
  /** nonces of appliance signatures seen inside the skew window (replays) */
  nonces: NonceCache;
  logger: FastifyBaseLogger;
}
