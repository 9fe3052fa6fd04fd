// Assembles one appliance from its configuration: store, body sender, token keys,
// metrics, logs, the viewers' HTTP server and the admin listener, the agent that reports to
// control, the chaos executor that runs control's faults and the filler that fetches what
// control wants held. Used by `ferry appliance` and by tests.
import type { Server as HttpsServer } from 'node:https';
import type { KeyRingReloadEvent, TurnupReport } from '@ferry/protocol';
import type { ControlAgent } from './agent/agent.js';
import type { ControlDrain } from './agent/control-drain.js';
import { startControlParts } from './agent/control-parts.js';
import { DEFAULT_CAPACITY_BPS, type HeartbeatBuilder } from './agent/heartbeat.js';
import { type BgpPart, startBgp } from './bgp/appliance-bgp.js';
import { ContentFaults } from './chaos/content-faults.js';
import type { ChaosExecutor } from './chaos/executor.js';
import { startChaos } from './chaos/start-chaos.js';
import { SendThrottle } from './chaos/throttle.js';
import type { ServingParts } from './cluster/worker-sync.js';
import type { ApplianceConfig } from './config.js';
import type { FillPart } from './fill/start-fill.js';
import type { AdminContext, Health, RoutesAnswer } from './http/admin-handler.js';
import { AdminServer } from './http/admin-server.js';
import { urlOf } from './http/listener.js';
import { loadIdentityKey } from './identity/identity-key.js';
import { TokenKeys } from './keys/token-keys.js';
import { FileTraffic } from './ops/file-traffic.js';
import { createAccessLog, createServiceLogger, type Logger } from './ops/logger.js';
import { ApplianceMetrics } from './ops/metrics.js';
import { ResponseTally } from './ops/response-tally.js';
import { type LiveSettings, reloader } from './reload.js';
import { createBodySender } from './sendfile/choose.js';
import { ApplianceServer, defaultLimits } from './server.js';
import { ContentStore } from './store/store.js';
import { probeKtls } from './tls/ktls.js';
import { ViewerTls } from './tls/viewer-tls.js';
import { startTurnup, type TurnupPart } from './turnup/start-turnup.js';

export const VERSION = '0.1.0';

export interface RunningAppliance {
  readonly config: ApplianceConfig;
  /** the viewers' port: content and /healthz */
  readonly address: { host: string; port: number };
  readonly url: string;
  /** the admin listener: drain, undrain, status, routes, metrics, healthz */
  readonly adminAddress: { host: string; port: number };
  readonly adminUrl: string;
  readonly server: ApplianceServer;
  readonly store: ContentStore;
  readonly logger: Logger;
  /** The BGP speaker, its Adj-RIB-In and the route feed, when BGP is configured. */
  readonly bgp?: BgpPart;
  /** Reports to control when `config.control` is set. */
  readonly agent?: ControlAgent;
  /** Runs control's chaos orders (refuses them all with chaos off). */
  readonly chaos: ChaosExecutor;
  /** Fills the store from control's manifests, with `--fill on`. */
  readonly fill?: FillPart;
  /** The token keys, following the key file; absent with --open. */
  readonly keys?: TokenKeys;
  /** Bodies in flight and viewers' bytes served per file (the heartbeat's `served`). */
  readonly traffic: FileTraffic;
  /** HTTPS on the viewers' port, with --tls-cert/--tls-key. */
  readonly tls?: ViewerTls;
  /**
   * SIGHUP: reads the TLS certificate pair (with --tls-cert) and the key file again; null
   * with --open. Never drains or stops.
   */
  reloadKeys(why: string): Promise<KeyRingReloadEvent | null>;
  /**
   * SIGHUP: the keys and the TLS pair (reloadKeys), the store index rescanned (files that
   * `ferry content add/remove` changed), the access log reopened (logrotate), and `live`
   * settings applied (reload.ts). Never drains, stops or drops a connection.
   */
  reload(why: string, live?: LiveSettings): Promise<void>;
  /** drain (bounded by drainTimeoutSec), then close everything */
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  onDrainedExit?: () => void;
  /**
   * Set in a worker of a multi-process appliance: metrics, drains, isolation and the
   * primary's parts of /v1/status and /v1/routes go through the primary (cluster/).
   */
  cluster?: (parts: ServingParts) => WorkerHooks;
  /**
   * How a chaos kill ends the process (default: the log line out, then process.exit with
   * the code); tests that run the appliance in their own process pass their own.
   */
  exit?: (code: number) => void;
}

export interface WorkerHooks {
  index: number;
  count: number;
  metricsText(): Promise<string>;
  /** Resolves once every worker is draining. */
  requestDrain(exit: boolean): Promise<void>;
  requestUndrain(): Promise<'serving' | 'exiting'>;
  /** isolated from control, as the primary's agent says */
  isolated(): boolean;
  /** what the primary reports in /v1/status (BGP, control, chaos, fill), over this worker's own */
  primaryStatus(): Promise<Record<string, unknown>>;
  routes(query: URLSearchParams): Promise<RoutesAnswer>;
  /** the primary's turn-up report (it runs the checks) */
  turnup(run: boolean): Promise<TurnupReport>;
}

export async function startAppliance(
  config: ApplianceConfig,
  opts: StartOptions = {},
): Promise<RunningAppliance> {
  const logger = opts.logger ?? createServiceLogger(config.logLevel, { appliance: config.id });
  const keys = config.open ? undefined : await TokenKeys.open(config.tokenKeyFile!, { logger });
  // Read before anything listens: a missing or bad key is a start error, not a silent agent.
  const identity = config.control ? await loadIdentityKey(config.identityKeyFile!) : undefined;
  // Also before anything listens: a pair that cannot serve is a start error.
  const tls = config.tls ? await ViewerTls.open(config.tls, probeKtls(), logger) : undefined;
  const store = ContentStore.open(config.stores, { logger, checkIntervalMs: config.storeCheckIntervalMs });
  // The chaos throttle sits in the body senders; idle, it costs one null check per body.
  const throttle = new SendThrottle();
  const { sender, reason } = createBodySender(
    config.bodySender,
    { pacer: throttle },
    tls ? { ktls: tls.ktls } : undefined,
  );
  logger.info({ path: sender.path, reason }, 'body sender');
  const accessLog = createAccessLog(config.accessLog);
  const startedAt = Date.now();
  let lastReload: { why: string; atMs: number } | null = null;
  let agent: ControlAgent | undefined;
  let heartbeat: HeartbeatBuilder | undefined;
  // The executor needs the metrics' counters; the metrics read it back through this.
  let chaosRef: ChaosExecutor | undefined;
  let fill: FillPart | undefined;
  let controlDrain: ControlDrain | undefined;
  let turnup: TurnupPart | undefined;
  let viewerUrl: string | undefined;
  let hooks: WorkerHooks | undefined;
  // In a worker the agent runs in the primary, which tells every worker when it is isolated.
  const isolated = () => agent?.isolated ?? hooks?.isolated() ?? false;
  const tally = new ResponseTally();
  const traffic = new FileTraffic();
  const metrics = new ApplianceMetrics({
    activeTransfers: () => sender.active,
    store: () => store.stats(),
    isolated,
    chaosActive: () => chaosRef?.activeByKind() ?? new Map(),
    fillBytesToGo: () => fill?.bytesToGo() ?? 0,
  });
  const contentFaults = new ContentFaults({ injected: (kind) => metrics.chaosInjected.inc({ kind }) });
  keys?.countReloadsIn(metrics.keyReloads);
  tls?.countIn(metrics.registry);

  const bgp = config.bgp ? startBgp(config.bgp, { logger, registry: metrics.registry }) : undefined;
  const chaos = startChaos({
    config,
    targets: {
      content: contentFaults,
      throttle,
      store,
      bgp: bgp?.speaker,
      exit: opts.exit ?? exitAfterLog(logger),
    },
    agent: () => agent,
    boot: () => heartbeat?.boot ?? '',
    metrics,
    logger,
  });
  chaosRef = chaos;
  const healthy = (): Health => {
    if (server.state !== 'serving') return { ok: false, state: server.state, reason: 'draining' };
    // Unhealthy while isolated: control (if it sees the probe) steers new sessions away,
    // while URLs it already issued are still served (decide.ts).
    if (isolated()) return { ok: false, state: 'serving', reason: 'isolated from control' };
    const disks = store.stats().disks;
    if (disks.length > 0 && disks.every((d) => d.state !== 'ok')) {
      return { ok: false, state: 'serving', reason: 'every disk has failed' };
    }
    return { ok: true, state: 'serving' };
  };
  const server: ApplianceServer = new ApplianceServer({
    logger,
    limits: config.limits,
    onDrainedExit: opts.onDrainedExit,
    health: healthy,
    ...(tls ? { tls: tls.serverOptions({ ...defaultLimits, ...config.limits }.headersTimeoutMs) } : {}),
    content: {
      store,
      sender,
      keys: () => keys?.current ?? null,
      maxRanges: config.maxRanges,
      metrics,
      accessLog,
      isolated,
      tally,
      faults: contentFaults,
      traffic,
    },
  });
  if (tls) tls.attach(server.server as HttpsServer);
  const adminContext: AdminContext = {
    metricsText: () => (hooks ? hooks.metricsText() : metrics.render()),
    // A worker has no RIB of its own: the primary's answers (hooks are set before listening).
    routes: opts.cluster ? (q) => hooks!.routes(q) : bgp?.routes,
    healthy,
    // A worker's checks run in the primary, which sees BGP, the agent and the whole store.
    turnup: async (run) => {
      if (hooks) return hooks.turnup(run);
      const last = turnup?.runner.last();
      return run ? turnup!.runner.runFresh() : (last ?? turnup!.runner.runNow());
    },
    drain: async ({ exit }) => {
      // The ISP's own drain: control's order never undoes it (agent/control-drain.ts).
      controlDrain?.noteLocal('drain');
      if (hooks) await hooks.requestDrain(exit);
      else server.requestDrain(exit);
    },
    undrain: async () => {
      controlDrain?.noteLocal('undrain');
      return hooks ? hooks.requestUndrain() : server.undrain();
    },
    status: () => ({
      id: config.id,
      site: config.site,
      version: VERSION,
      state: server.state,
      worker: hooks ? { index: hooks.index, count: hooks.count, pid: process.pid } : undefined,
      uptimeSec: Math.round((Date.now() - startedAt) / 1000),
      settings: {
        logLevel: config.logLevel,
        accessLog: config.accessLog,
        capacityBps: config.capacityBps ?? DEFAULT_CAPACITY_BPS,
        drainTimeoutSec: config.drainTimeoutSec,
      },
      lastReload,
      tokens: config.open ? 'open' : 'required',
      keys: keys?.heldKeys ?? [],
      keyFile: keys ? { path: keys.status().file, lastReload: keys.status().lastReload } : undefined,
      bodySender: { path: sender.path, reason, active: sender.active },
      tls: tls ? tls.status(sender.path) : { enabled: false, bodyPath: sender.path },
      requestsInFlight: server.requestsInFlight,
      store: store.stats(),
      unreadableFiles: store
        .list()
        .filter((f) => f.unreadable !== undefined)
        .map((f) => ({ id: f.id, reason: f.unreadable })),
      isolated: isolated(),
      control: agent ? { ...agent.status(), drain: controlDrain?.status() } : undefined,
      bgp: bgp ? bgpStatus(bgp) : undefined,
      responses: tally.snapshot(),
      chaos: chaos.status(),
      fill: fill ? fill.status() : { mode: 'off' },
    }),
  };
  // A worker's status: its own serving state, with the primary's parts (BGP, agent, chaos, fill) over it.
  const ownStatus = adminContext.status as () => Record<string, unknown>;
  if (opts.cluster) adminContext.status = () => withPrimary(ownStatus(), hooks!);
  const admin = new AdminServer(adminContext, { logger, limits: config.limits });

  hooks = opts.cluster?.({
    metrics,
    server,
    store,
    faults: contentFaults,
    throttle,
    traffic,
    tally,
    logger,
  });
  const address = await server.listen(config.listen.host, config.listen.port);
  const url = urlOf(address, tls ? 'https' : 'http');
  let adminAddress: { host: string; port: number };
  try {
    adminAddress = await admin.listen(config.adminListen.host, config.adminListen.port);
  } catch (err) {
    await server.close();
    throw err;
  }
  const adminUrl = urlOf(adminAddress);
  logger.info(
    { address, admin: adminAddress, site: config.site, open: config.open, tls: tls !== undefined },
    'appliance listening',
  );
  if (!isLoopback(adminAddress.host)) {
    logger.warn(
      { admin: adminAddress },
      'admin listener is not on loopback: anyone who reaches it can drain',
    );
  }
  await bgp?.speaker.start();
  viewerUrl = url;
  if (!opts.cluster) {
    turnup = startTurnup({
      config,
      store,
      keys,
      bgp,
      viewerUrl: () => viewerUrl,
      agent: () => agent,
      serving: () => server.state === 'serving',
      logger,
    });
    // Before the first heartbeat: control must never hear this appliance without a report.
    await turnup.runner.runNow();
    turnup.runner.start();
  }
  if (config.control && identity) {
    const parts = startControlParts({
      config,
      version: VERSION,
      url,
      identity,
      store,
      bgp,
      keys,
      chaos,
      metrics,
      logger,
      drain: { drain: () => server.requestDrain(false), undrain: () => server.undrain() },
      turnup,
      counts: {
        state: () => server.state,
        bytesSent: () => metrics.bytesSentTotal(),
        connections: () => server.requestsInFlight,
        inFlight: (id) => traffic.inFlight(id),
        tally,
        served: traffic,
      },
    });
    ({ agent, heartbeat, fill } = parts);
    controlDrain = parts.drain;
    parts.agent.start();
  }

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      const timeout = new Promise<'timeout'>((r) =>
        setTimeout(r, config.drainTimeoutSec * 1000, 'timeout').unref(),
      );
      server.markExiting();
      // Faults end before the drain: the transfers still running finish at full speed.
      chaos.stop();
      const result = await Promise.race([server.drain(), timeout]);
      if (result === 'timeout')
        logger.warn({ inFlight: server.requestsInFlight }, 'drain timed out; closing');
      keys?.stop();
      turnup?.runner.stop();
      // Downloads stop with their partials on disk: the next start resumes them.
      await fill?.stop();
      await agent?.stop();
      await bgp?.stop();
      await server.close();
      await admin.close();
      await sender.close();
      store.close();
      metrics.close();
      accessLog.close();
      logger.info('stopped');
    })();
    return stopping;
  };

  const reloadKeys = async (why: string) => {
    await tls?.reload(why);
    return keys ? keys.reload(why) : null;
  };
  const reload = reloader({
    config,
    logger,
    accessLog,
    store,
    reloadKeys,
    reloaded: (why) => {
      lastReload = { why, atMs: Date.now() };
    },
  });
  return {
    config,
    address,
    url,
    adminAddress,
    adminUrl,
    server,
    store,
    logger,
    bgp,
    agent,
    chaos,
    fill,
    keys,
    traffic,
    tls,
    reloadKeys,
    reload,
    stop,
  };
}

/** The `bgp` object of /v1/status. */
export function bgpStatus(bgp: BgpPart): Record<string, unknown> {
  return {
    sessions: bgp.speaker.status(),
    routes: bgp.rib.size(),
    feedVersion: bgp.feed.version,
    ...(bgp.speaker.heldDown ? { heldDown: bgp.speaker.heldDown } : {}),
  };
}

/** A worker's /v1/status: its own serving state, and the primary's parts over the rest. */
async function withPrimary(
  own: Record<string, unknown>,
  hooks: WorkerHooks,
): Promise<Record<string, unknown>> {
  return { ...own, ...(await hooks.primaryStatus()) };
}

/**
 * The chaos kill: one log line reaches stderr (the executor's "applied" line), then the
 * process ends with the code at once; no drain, no cleanup, as a crash would.
 */
function exitAfterLog(logger: Logger): (code: number) => void {
  return (code) => {
    logger.flush(() => process.exit(code));
    // A flush that never calls back must not keep a killed appliance alive.
    setTimeout(() => process.exit(code), 500);
  };
}

function isLoopback(host: string): boolean {
  return host === '::1' || host.startsWith('127.') || host === 'localhost';
}
