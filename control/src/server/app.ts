// Builds control's fastify app from an options object (tests start it on port 0): schema
// validation through TypeBox, errors as { error, message }, OpenAPI at /docs, metrics, and
// the in-memory model loaded from the store and kept current through its change feed.

import type { KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { MemoryNonceCache } from '@ferry/protocol';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import type { Logger } from 'pino';
import { OperatorAccess } from '../auth/operator-access.js';
import { AuthRefusals } from '../auth/refusals.js';
import type { ChaosPolicy } from '../chaos/policy.js';
import { ChaosService, type ChaosServiceOptions } from '../chaos/service.js';
import type { ControlConfig } from '../config.js';
import { Errors } from '../errors.js';
import { FillService } from '../fill/service.js';
import { HealthMonitor } from '../health/monitor.js';
import { followStore } from '../ingest/follow.js';
import { recordHealthVerdict } from '../ingest/health-verdict.js';
import { HeartbeatIngest } from '../ingest/heartbeat.js';
import { loadModel } from '../ingest/load.js';

import { keyMismatch } from '../keys/choose-signing-key.js';
import { type KeySource, SigningKeys } from '../keys/signing-keys.js';
import { heldStateOf } from '../model/held-state.js';

import { ControlModel } from '../model/model.js';
import { ResilientStore } from '../state/resilient-store.js';
import type { StateStore } from '../state/store.js';
import { RateLimiter } from '../steering/rate-limit.js';
import { UiLive } from '../ui/live.js';
import { loginHandlers } from '../ui/login-handlers.js';
import { readHandlers } from '../ui/read-handlers.js';
import { UiSessions } from '../ui/sessions.js';
import { loadStaticFiles } from '../ui/static-files.js';
import { SteeringSamples } from '../ui/steering-samples.js';
import { ClientAddressResolver } from './client-address.js';
import type { ControlContext } from './context.js';
import { installErrorHandling } from './error-handler.js';
import { applianceHandlers } from './handlers/appliances.js';
import { catalogHandlers } from './handlers/catalog.js';
import { chaosHandlers } from './handlers/chaos.js';
import { enrollmentHandlers } from './handlers/enrollment.js';
import { eventHandlers } from './handlers/events.js';
import { fillHandlers } from './handlers/fill.js';
import { heartbeatHandlers } from './handlers/heartbeat.js';
import { opsHandlers } from './handlers/ops.js';
import { playerHandlers } from './handlers/players.js';
import { routeLookupHandlers } from './handlers/routes-lookup.js';
import { steerHandlers } from './handlers/steer.js';
import { serverTimeouts } from './http-limits.js';
import { type ControlMetrics, createMetrics } from './metrics.js';

export interface ControlAppOptions {
  config: ControlConfig;
  /** Opened by the caller, who also closes it after the app. */
  store: StateStore;
  /**
   * Signing keys: a ring, or a ReloadableKeyRing followed as it reloads. Without them
   * steering hands out unsigned URLs.
   */
  keys?: KeySource;
  logger: Logger;
  /** Process metrics (event loop, memory) on /metrics; off in tests that run several apps. */
  defaultMetrics?: boolean;
  /** how long a store write on the request path may wait before it is held (default 500 ms) */
  storeWriteDeadlineMs?: number;
  /** How often the operator token file is polled for changes (default 1000 ms). */
  tokenPollMs?: number;
  /** Signs chaos orders (`--chaos-key`); without it the chaos API answers 503. */
  chaosKey?: KeyObject;
  /** The chaos schedule (`--chaos-policy`); needs chaosKey. */
  chaosPolicy?: ChaosPolicy;
  /** Tests: chaos's clock, randomness and timer period. */
  chaosTiming?: Pick<ChaosServiceOptions, 'now' | 'random' | 'tickMs'>;
}

export type ControlFastify = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface ControlApp {
  app: ControlFastify;
  model: ControlModel;
  monitor: HealthMonitor;
  /** The signing-key choice; absent without keys. */
  signingKeys?: SigningKeys;
  metrics: ControlMetrics;
  /** the operator tokens in force; `reload()` on SIGHUP */
  access: OperatorAccess;
  chaos: ChaosService;
  /** placement, manifests and fill views (docs/fill.md) */
  fill: FillService;
  /** Stops probing, leaves the change feed, closes the server; the store stays open. */
  close(): Promise<void>;
}

export async function buildControlApp(opts: ControlAppOptions): Promise<ControlApp> {
  const { config, keys } = opts;
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    // The client address comes from ClientAddressResolver, which knows the trusted proxies.
    trustProxy: false,
    // Every appliance heartbeats every second: one info line per request would drown the
    // log. Requests are logged at debug in the onResponse hook below; failures by the
    // error handler.
    disableRequestLogging: true,
    ...serverTimeouts(config.http),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const logger = opts.logger;
  const access = await OperatorAccess.open(config.operatorTokensFile, logger);
  if (!access.configured) {
    logger.warn(
      'no --operator-tokens: every call that needs an operator token is refused (catalog, enrollment, fleet reads)',
    );
  }
  const model = new ControlModel();
  await loadModel(model, opts.store);
  // A shared store may go away under a running control: writes are then held in memory and
  // written back when it returns (state/resilient-store.ts). SQLite is local: used as is.
  const resilient = opts.store.link
    ? new ResilientStore({
        inner: opts.store,
        link: opts.store.link,
        held: heldStateOf(model),
        logger,
        writeDeadlineMs: opts.storeWriteDeadlineMs,
      })
    : undefined;
  await resilient?.start();
  const store: StateStore = resilient ?? opts.store;
  const unfollow = followStore({ model, store, logger });
  const signingKeys = keys
    ? new SigningKeys({ keys, model, logger, staleAfterMs: config.staleAfterMs })
    : undefined;
  const metrics = createMetrics(model, {
    defaultMetrics: opts.defaultMetrics,
    store: resilient,
    signing: signingKeys ? () => signingKeys.choice() : undefined,
    // Read at scrape time, once the fill service below exists.
    fill: () => fillService,
  });
  const fillService = new FillService({
    model,
    store,
    config: config.fill,
    logger,
    counters: metrics.fill,
    ...(signingKeys ? { signingKey: () => signingKeys.choice().key.entry } : {}),
  });
  const monitor = new HealthMonitor({
    config,
    model,
    record: (verdict) => {
      const done = recordHealthVerdict({ model, store, logger }, verdict);
      // The dashboard shows a transition at once, not at its next second.
      live.poke();
      return done;
    },
    ...(signingKeys ? { keyMismatch: (rec) => keyMismatch(rec.keys, signingKeys.choice().key) } : {}),
  });
  const chaos = new ChaosService({
    store,
    model,
    config,
    key: opts.chaosKey,
    policy: opts.chaosPolicy,
    logger,
    counters: metrics.chaos,
    ...(resilient ? { storeUp: () => resilient.status().up } : {}),
    ...opts.chaosTiming,
  });
  const heartbeats = new HeartbeatIngest({
    store,
    model,
    health: monitor,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    maxRoutesPerAppliance: config.maxRoutesPerAppliance,
    count: (result) => metrics.heartbeats.inc({ result }),
    admit: (id) => {
      const enrolled = model.identities.get(id);
      if (!enrolled) return Errors.AUTH_UNKNOWN_SIGNER;
      return enrolled.identity.disabled ? Errors.AUTH_DISABLED : undefined;
    },
    ...(chaos.heartbeats ? { chaos: chaos.heartbeats } : {}),
    fill: fillService,
  });

  // The dashboard (docs/dashboard.md): sessions in memory, the page's files read once.
  const sessions = new UiSessions();
  const samples = new SteeringSamples();
  const live: UiLive = new UiLive({
    sources: {
      model,
      fill: fillService,
      samples,
      chaosConfigured: chaos.configured,
      ...(signingKeys ? { signingKeys } : {}),
    },
    sessions,
    readDecisions: async () => (await metrics.steering.get()).values,
    logger,
  });
  const ui = { sessions, live, samples, files: loadStaticFiles(), ...(signingKeys ? { signingKeys } : {}) };

  const ctx: ControlContext = {
    config,
    store,
    storeStatus: resilient ? () => resilient.status() : undefined,
    model,
    metrics,
    heartbeats,
    chaos,
    fill: fillService,
    steering: {
      model,
      fallbackSites: config.fallbackSites,
      lastResort: config.lastResort ?? true,
      urlsPerStream: config.urlsPerStream,
      headroom: config.headroom,
      tokenTtlSec: config.tokenTtlSec,
      ...(signingKeys ? { signingKey: () => signingKeys.choice().key.entry } : {}),
      onDecision: (decision) => {
        metrics.steering.inc({ decision });
        chaos.noteDecision(decision);
      },
      onContentMiss: (fileId, size, sites) => fillService.noteContentMiss(fileId, size, sites),
      onNone: (detail) => logger.debug(detail, 'steering: none'),
    },
    clientAddress: new ClientAddressResolver(config.trustedProxies),
    ...(config.steerRateLimit > 0 ? { steerLimit: new RateLimiter({ rate: config.steerRateLimit }) } : {}),
    access,
    refusals: new AuthRefusals({ logger, counter: metrics.authRefused }),
    // Per instance: with several instances a replay to another one inside the skew window
    // passes (docs/security.md, out of scope).
    nonces: new MemoryNonceCache(),
    sessions,
    logger,
  };

  installErrorHandling(app);
  // Only when debug is on (the level is set once, at start): a hook fastify runs on every
  // request costs even when it logs nothing.
  if (logger.isLevelEnabled('debug')) {
    app.addHook('onResponse', async (req, reply) => {
      req.log.debug(
        { method: req.method, url: req.url, status: reply.statusCode, ms: reply.elapsedTime },
        'request',
      );
    });
  }
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Ferry control',
        description: 'Registry, heartbeats, BGP routes, health and steering for Ferry appliances',
        version: '1',
      },
      components: {
        securitySchemes: {
          operatorToken: {
            type: 'http',
            scheme: 'bearer',
            description:
              'operator token `fop_…` (`ferry control token create`), role viewer, operator or admin',
          },
          applianceSignature: {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description:
              '`Ferry-Sig v=1,id=…,ts=…,nonce=…,sig=…`: Ed25519 by the enrolled appliance key over method, path, id, ts, nonce and sha256(body)',
          },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(heartbeatHandlers(ctx));
  await app.register(applianceHandlers(ctx));
  await app.register(enrollmentHandlers(ctx));
  await app.register(catalogHandlers(ctx));
  await app.register(routeLookupHandlers(ctx));
  await app.register(eventHandlers(ctx));
  await app.register(steerHandlers(ctx));
  await app.register(playerHandlers(ctx));
  await app.register(opsHandlers(ctx));
  await app.register(chaosHandlers(ctx));
  await app.register(fillHandlers(ctx));
  await app.register((await import('./handlers/admin.js')).adminHandlers(ctx));
  await app.register(loginHandlers(ctx, ui));
  await app.register(readHandlers(ctx, ui));
  await app.ready();
  monitor.start();
  chaos.start();
  fillService.start();
  access.watch(opts.tokenPollMs);
  live.start();

  return {
    app,
    model,
    monitor,
    signingKeys,
    metrics,
    access,
    chaos,
    fill: fillService,
    async close() {
      live.stop();
      fillService.stop();
      chaos.stop();
      access.stop();
      await monitor.stop();
      unfollow();
      resilient?.stop();
      await app.close();
    },
  };
}
