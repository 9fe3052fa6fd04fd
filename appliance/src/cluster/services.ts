// The parts of a multi-process appliance that exist once, run by the primary: the BGP
// speaker with its RIB and route feed, the control agent (heartbeats, inventory, route
// reports), the chaos executor and the filler with its evictor, over the primary's own view
// of the store. They run in the primary rather than in one of the workers (or a process of
// their own) because the primary already outlives every worker and talks to all of them:
// a worker that crashes and is restarted must not take the BGP session or the agent's boot
// with it, and no further process has to be supervised. Workers only serve; what they must
// follow reaches them as SharedState, what they count comes back as reports (totals.ts).
import { isIP } from 'node:net';
import { parsePublicKey } from '@ferry/protocol';
import { ControlAgent } from '../agent/agent.js';
import { HeartbeatBuilder } from '../agent/heartbeat.js';
import { InventoryFeed } from '../agent/inventory-feed.js';
import { LoadSampler } from '../agent/load.js';
import { bgpStatus, VERSION } from '../app.js';
import { type BgpPart, startBgp } from '../bgp/appliance-bgp.js';
import { ChaosExecutor } from '../chaos/executor.js';
import type { ApplianceConfig } from '../config.js';
import { type FillPart, startFill } from '../fill/start-fill.js';
import type { RoutesAnswer } from '../http/admin-handler.js';
import { loadIdentityKey } from '../identity/identity-key.js';
import { TokenKeys } from '../keys/token-keys.js';
import type { Logger } from '../ops/logger.js';
import { ApplianceMetrics } from '../ops/metrics.js';
import type { ServeState } from '../server.js';
import { ContentStore } from '../store/store.js';
import type { SharedState } from './messages.js';
import { SharedStateHub } from './shared-state.js';
import type { WorkerTotals } from './totals.js';

export interface ClusterSide {
  totals: WorkerTotals;
  /** the appliance's serving state for the heartbeat */
  state(): ServeState;
  /** sends the shared state to every worker */
  publish(state: SharedState): void;
  /** the primary's store index changed (a fill, an eviction): workers re-read it */
  storeChanged(): void;
  /** a chaos kill: ends every worker and the primary at once */
  exit(code: number): void;
}

export interface PrimaryServices {
  readonly metrics: ApplianceMetrics;
  readonly shared: SharedStateHub;
  /** Starts BGP, the agent and the filler once the workers listen on `url`. */
  start(url: string): Promise<void>;
  /** The primary's parts of /v1/status. */
  status(): Record<string, unknown>;
  routes(query: URLSearchParams): RoutesAnswer;
  reloadKeys(why: string): void;
  /** A worker could not read a file: it leaves the inventory control hears. */
  markUnreadable(fileId: string, reason: string): void;
  stop(): Promise<void>;
}

export async function startPrimaryServices(
  config: ApplianceConfig,
  logger: Logger,
  side: ClusterSide,
): Promise<PrimaryServices> {
  // Read before any worker starts: a missing or bad key is a start error, as in app.ts.
  const identity = config.control ? await loadIdentityKey(config.identityKeyFile!) : undefined;
  // Held for the heartbeat's `keys` only (every worker reads the same file and serves with it).
  const keys = config.open ? undefined : await TokenKeys.open(config.tokenKeyFile!, { logger });
  // Crash recovery (re-indexing, dropping stale rows) runs here before any worker opens the
  // store, so workers that open it together find it consistent rather than racing to repair it.
  const store = ContentStore.open(config.stores, { logger, checkIntervalMs: config.storeCheckIntervalMs });
  store.onChange((c) => {
    if (c.type === 'added' || c.type === 'removed') side.storeChanged();
  });
  const shared = new SharedStateHub(side.publish);
  let agent: ControlAgent | undefined;
  let heartbeat: HeartbeatBuilder | undefined;
  let fill: FillPart | undefined;
  let chaosRef: ChaosExecutor | undefined;
  const metrics = new ApplianceMetrics({
    // The workers' transfers are in their own series; the sum adds nothing from here.
    activeTransfers: () => 0,
    store: () => store.stats(),
    isolated: () => agent?.isolated ?? false,
    chaosActive: () => chaosRef?.activeByKind() ?? new Map(),
    fillBytesToGo: () => fill?.bytesToGo() ?? 0,
  });
  const bgp: BgpPart | undefined = config.bgp
    ? startBgp(config.bgp, { logger, registry: metrics.registry })
    : undefined;
  const chaos = new ChaosExecutor({
    mode: config.chaos?.mode ?? 'off',
    verifyKeys: (config.chaos?.verifyKeys ?? []).map((k) => parsePublicKey(k)!),
    applianceId: config.id,
    boot: () => heartbeat?.boot ?? '',
    targets: {
      ...shared.targets(store),
      bgp: bgp?.speaker,
      heartbeats: config.control
        ? {
            suspendHeartbeats: () => agent?.suspendHeartbeats(),
            resumeHeartbeats: () => agent?.resumeHeartbeats(),
          }
        : undefined,
      exit: side.exit,
      onError: (err, what) => logger.error({ err, part: 'chaos' }, `chaos: ${what} failed`),
    },
    metrics,
    logger,
  });
  chaosRef = chaos;

  const start = async (url: string) => {
    await bgp?.speaker.start();
    if (!config.control || !identity) return;
    if (config.fill?.mode === 'on') {
      fill = startFill({
        settings: config.fill,
        controlUrl: config.control,
        applianceId: config.id,
        identityKey: identity.key,
        store,
        // As of the workers' last reports (REPORT_MS): the evictor waits for files in use.
        inFlight: (id) => side.totals.inFlight(id),
        metrics,
        logger,
        ...(isOneAddress(config.listen.host) ? { localAddress: config.listen.host } : {}),
      });
    }
    heartbeat = new HeartbeatBuilder({
      url,
      site: config.site,
      version: VERSION,
      state: () => side.state(),
      disks: () => store.stats().disks,
      load: new LoadSampler({
        bytesSent: () => side.totals.bytesSent(),
        connections: () => side.totals.connections(),
      }),
      inventory: new InventoryFeed(store),
      routes: bgp ? { feed: bgp.feed, rib: bgp.rib } : undefined,
      keys: () => keys?.heldKeys ?? [],
      responses: () => side.totals.tally.snapshot(),
      chaos: () => chaos.report(),
      fill: fill?.report,
      served: side.totals.served,
    });
    agent = new ControlAgent({
      controlUrl: config.control,
      applianceId: config.id,
      identityKey: identity.key,
      logger,
      ...(config.controlGraceMs !== undefined ? { graceMs: config.controlGraceMs } : {}),
      ...(config.heartbeatMs !== undefined ? { intervalMs: config.heartbeatMs } : {}),
      heartbeat,
      chaos,
    });
    agent.onIsolationChange((isolated) => shared.setIsolated(isolated));
    agent.start();
  };

  let stopping: Promise<void> | undefined;
  return {
    metrics,
    shared,
    start,
    // `isolated` is left to each worker: what it shows is what it applies (SharedState).
    status: () => ({
      control: agent?.status(),
      bgp: bgp ? bgpStatus(bgp) : undefined,
      chaos: chaos.status(),
      fill: fill ? fill.status() : { mode: 'off' },
      workers: side.totals.list(),
    }),
    routes: (query) =>
      bgp?.routes(query) ?? { status: 200, body: { routes: [], total: 0, bgp: 'not configured' } },
    reloadKeys: (why) => void keys?.reload(why),
    markUnreadable: (fileId, reason) => store.markUnreadable(fileId, reason),
    stop: () => {
      stopping ??= (async () => {
        chaos.stop();
        keys?.stop();
        await fill?.stop();
        await agent?.stop();
        await bgp?.stop();
        store.close();
        metrics.close();
      })();
      return stopping;
    },
  };
}

/** An address to connect from: an IP, not a wildcard or a name. */
function isOneAddress(host: string): boolean {
  return isIP(host) !== 0 && host !== '0.0.0.0' && host !== '::';
}
