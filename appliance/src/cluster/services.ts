import type { ControlAgent } from '../agent/agent.js';
import { startControlParts } from '../agent/control-parts.js';
import type { HeartbeatBuilder } from '../agent/heartbeat.js';
import { bgpStatus, VERSION } from '../app.js';
import { type BgpPart, startBgp } from '../bgp/appliance-bgp.js';
import type { ChaosExecutor } from '../chaos/executor.js';
import { startChaos } from '../chaos/start-chaos.js';
import type { ApplianceConfig } from '../config.js';
import type { FillPart } from '../fill/start-fill.js';
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
  /** SIGHUP: the key file read again, and the store index (the inventory control hears) */
  reload(why: string): void;
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
  const chaos = startChaos({
    config,
    targets: { ...shared.targets(store), bgp: bgp?.speaker, exit: side.exit },
    agent: () => agent,
    boot: () => heartbeat?.boot ?? '',
    metrics,
    logger,
  });
  chaosRef = chaos;

  const start = async (url: string) => {
    await bgp?.speaker.start();
    if (!config.control || !identity) return;
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
      counts: {
        state: () => side.state(),
        bytesSent: () => side.totals.bytesSent(),
        connections: () => side.totals.connections(),
        // As of the workers' last reports (REPORT_MS): the evictor waits for files in use.
        inFlight: (id) => side.totals.inFlight(id),
        tally: side.totals.tally,
        served: side.totals.served,
      },
    });
    ({ agent, heartbeat, fill } = parts);
    parts.agent.onIsolationChange((isolated) => shared.setIsolated(isolated));
    parts.agent.start();
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
    reload: (why) => {
      store.refresh();
      void keys?.reload(why);
    },
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
