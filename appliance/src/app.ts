// Assembles one appliance from its configuration: store, body sender, token keys,
// metrics, logs and the HTTP server. Used by `ferry appliance` and by tests.
import { loadKeyRing } from '@ferry/protocol';
import { ControlAgent } from './agent/agent.js';
import { HeartbeatBuilder } from './agent/heartbeat.js';
import { InventoryFeed } from './agent/inventory-feed.js';
import { LoadSampler } from './agent/load.js';
import { type BgpPart, startBgp } from './bgp/appliance-bgp.js';
import type { ApplianceConfig } from './config.js';
import { createAccessLog, createServiceLogger, type Logger } from './ops/logger.js';
import { ApplianceMetrics } from './ops/metrics.js';
import { createBodySender } from './sendfile/choose.js';
import { ApplianceServer } from './server.js';
import { ContentStore } from './store/store.js';

export const VERSION = '0.1.0';

export interface RunningAppliance {
  readonly config: ApplianceConfig;
  readonly address: { host: string; port: number };
  readonly url: string;
  readonly server: ApplianceServer;
  readonly logger: Logger;
  /** The BGP speaker, its Adj-RIB-In and the route feed, when BGP is configured. */
  readonly bgp?: BgpPart;
  /** Reports to control when `config.control` is set. */
  readonly agent?: ControlAgent;
  /** drain (bounded by drainTimeoutSec), then close everything */
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  onDrainedExit?: () => void;
  /** Set in a worker of a multi-process appliance: metrics and drains go through the primary. */
  cluster?: (metrics: ApplianceMetrics, server: ApplianceServer) => WorkerHooks;
}

export interface WorkerHooks {
  index: number;
  count: number;
  metricsText(): Promise<string>;
  requestDrain(exit: boolean): void;
}

export async function startAppliance(
  config: ApplianceConfig,
  opts: StartOptions = {},
): Promise<RunningAppliance> {
  const logger = opts.logger ?? createServiceLogger(config.logLevel, { appliance: config.id });
  const keys = config.open ? null : await loadKeyRing(config.tokenKeyFile!);
  const store = ContentStore.open(config.stores, { logger, checkIntervalMs: config.storeCheckIntervalMs });
  const { sender, reason } = createBodySender(config.bodySender);
  logger.info({ path: sender.path, reason }, 'body sender');
  const accessLog = createAccessLog(config.accessLog);
  const startedAt = Date.now();
  const metrics = new ApplianceMetrics({
    activeTransfers: () => sender.active,
    store: () => store.stats(),
  });

  const bgp = config.bgp ? startBgp(config.bgp, { logger, registry: metrics.registry }) : undefined;
  let hooks: WorkerHooks | undefined;
  let agent: ControlAgent | undefined;
  const server: ApplianceServer = new ApplianceServer({
    logger,
    limits: config.limits,
    onDrainedExit: opts.onDrainedExit,
    drainHandler: opts.cluster ? (exit) => hooks?.requestDrain(exit) : undefined,
    isolated: () => agent?.isolated ?? false,
    content: { store, sender, keys, maxRanges: config.maxRanges, metrics, accessLog },
    ops: {
      metricsText: () => (hooks ? hooks.metricsText() : metrics.render()),
      routes: bgp?.routes,
      healthy: () => {
        if (server.state !== 'serving') return { ok: false, state: server.state, reason: 'draining' };
        if (agent?.isolated) return { ok: false, state: 'serving', reason: 'isolated from control' };
        const disks = store.stats().disks;
        if (disks.length > 0 && disks.every((d) => d.state !== 'ok')) {
          return { ok: false, state: 'serving', reason: 'every disk has failed' };
        }
        return { ok: true, state: 'serving' };
      },
      status: () => ({
        id: config.id,
        site: config.site,
        version: VERSION,
        state: server.state,
        worker: hooks ? { index: hooks.index, count: hooks.count, pid: process.pid } : undefined,
        uptimeSec: Math.round((Date.now() - startedAt) / 1000),
        tokens: config.open ? 'open' : 'required',
        bodySender: { path: sender.path, reason, active: sender.active },
        requestsInFlight: server.requestsInFlight,
        store: store.stats(),
        control: agent?.status(),
        bgp: bgp
          ? { sessions: bgp.speaker.status(), routes: bgp.rib.size(), feedVersion: bgp.feed.version }
          : undefined,
      }),
    },
  });

  hooks = opts.cluster?.(metrics, server);
  const address = await server.listen(config.listen.host, config.listen.port);
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  logger.info({ address, site: config.site, open: config.open }, 'appliance listening');
  await bgp?.speaker.start();
  if (config.control) {
    agent = new ControlAgent({
      controlUrl: config.control,
      applianceId: config.id,
      logger,
      ...(config.controlGraceMs !== undefined ? { graceMs: config.controlGraceMs } : {}),
      ...(config.heartbeatMs !== undefined ? { intervalMs: config.heartbeatMs } : {}),
      heartbeat: new HeartbeatBuilder({
        url: `http://${host}:${address.port}`,
        site: config.site,
        version: VERSION,
        state: () => server.state,
        disks: () => store.stats().disks,
        load: new LoadSampler({
          bytesSent: async () => (await metrics.bytesSent.get()).values.reduce((n, v) => n + v.value, 0),
          connections: () => server.requestsInFlight,
        }),
        inventory: new InventoryFeed(store),
        routes: bgp ? { feed: bgp.feed, rib: bgp.rib } : undefined,
      }),
    });
    agent.start();
  }

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      const timeout = new Promise<'timeout'>((r) =>
        setTimeout(r, config.drainTimeoutSec * 1000, 'timeout').unref(),
      );
      const result = await Promise.race([server.drain(), timeout]);
      if (result === 'timeout')
        logger.warn({ inFlight: server.requestsInFlight }, 'drain timed out; closing');
      await agent?.stop();
      await bgp?.stop();
      await server.close();
      await sender.close();
      store.close();
      metrics.close();
      accessLog.close();
      logger.info('stopped');
    })();
    return stopping;
  };

  return { config, address, url: `http://${host}:${address.port}`, server, logger, bgp, agent, stop };
}
