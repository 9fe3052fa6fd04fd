import type { TurnupReport } from '@ferry/protocol';
import type { ControlAgent } from '../agent/agent.js';
import type { ControlDrain } from '../agent/control-drain.js';
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
import { startTurnup, type TurnupPart } from '../turnup/start-turnup.js';
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
  /** drains or undrains every worker, as control's drain order asks */
  order(order: 'drain' | 'undrain'): Promise<unknown>;
}

export interface PrimaryServices {
  readonly metrics: ApplianceMetrics;
  readonly shared: SharedStateHub;
  /** Starts BGP, the agent and the filler once the workers listen on `url`. */
  start(url: string): Promise<void>;
  /** The primary's parts of /v1/status. */
  status(): Record<string, unknown>;
  routes(query: URLSearchParams): RoutesAnswer;
  /** GET /v1/turnup of any worker: the last report, or a run now */
  turnup(run: boolean): Promise<TurnupReport>;
  /** A drain or undrain asked on a worker's admin listener (the ISP's: control leaves it). */
  noteLocalOrder(order: 'drain' | 'undrain'): void;
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
  let controlDrain: ControlDrain | undefined;
  let viewerUrl: string | undefined;
  let turnup: TurnupPart | undefined;
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
    viewerUrl = url;
    turnup = startTurnup({
      config,
      store,
      keys,
      bgp,
      viewerUrl: () => viewerUrl,
      agent: () => agent,
      serving: () => side.state() === 'serving',
      logger,
    });
    // Before the first heartbeat: control must never hear this appliance without a report.
    await turnup.runner.runNow();
    turnup.runner.start();
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
      drain: { drain: () => side.order('drain'), undrain: () => side.order('undrain') },
      turnup,
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
    controlDrain = parts.drain;
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
      control: agent ? { ...agent.status(), drain: controlDrain?.status() } : undefined,
      bgp: bgp ? bgpStatus(bgp) : undefined,
      chaos: chaos.status(),
      fill: fill ? fill.status() : { mode: 'off' },
      workers: side.totals.list(),
    }),
    routes: (query) =>
      bgp?.routes(query) ?? { status: 200, body: { routes: [], total: 0, bgp: 'not configured' } },
    noteLocalOrder: (order) => controlDrain?.noteLocal(order),
    turnup: async (run) => {
      if (!turnup) throw new Error('the turn-up checks start once every worker listens');
      const last = turnup.runner.last();
      return run ? turnup.runner.runFresh() : (last ?? turnup.runner.runNow());
    },
    reload: (why) => {
      store.refresh();
      void keys?.reload(why);
    },
    markUnreadable: (fileId, reason) => store.markUnreadable(fileId, reason),
    stop: () => {
      stopping ??= (async () => {
        chaos.stop();
        keys?.stop();
        turnup?.runner.stop();
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
