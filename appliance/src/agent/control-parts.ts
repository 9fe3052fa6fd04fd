// What an appliance runs toward control once it listens: the filler (with --fill on), the
// heartbeat builder and the agent that sends it. One builder for both shapes of appliance:
// a single process counts its own requests, the primary of a multi-process appliance sums
// its workers' reports (cluster/totals.ts); only those sources differ.
import { isIP } from 'node:net';
import type { BgpPart } from '../bgp/appliance-bgp.js';
import type { ChaosExecutor } from '../chaos/executor.js';
import type { ApplianceConfig } from '../config.js';
import { type FillPart, startFill } from '../fill/start-fill.js';
import type { IdentityKey } from '../identity/identity-key.js';
import type { TokenKeys } from '../keys/token-keys.js';
import type { Logger } from '../ops/logger.js';
import type { ApplianceMetrics } from '../ops/metrics.js';
import type { ResponseTally } from '../ops/response-tally.js';
import type { ServeState } from '../server.js';
import type { ContentStore } from '../store/store.js';
import type { TurnupPart } from '../turnup/start-turnup.js';
import { ControlAgent } from './agent.js';
import { ControlDrain, type DrainTarget } from './control-drain.js';
import { HeartbeatBuilder, type HeartbeatSources } from './heartbeat.js';
import { InventoryFeed } from './inventory-feed.js';
import { LoadSampler } from './load.js';

export interface ControlPartsInput {
  config: ApplianceConfig;
  version: string;
  /** the viewers' URL control steers devices to */
  url: string;
  identity: IdentityKey;
  store: ContentStore;
  bgp?: BgpPart;
  keys?: TokenKeys;
  chaos: ChaosExecutor;
  metrics: ApplianceMetrics;
  logger: Logger;
  /** what control's drain order drains: this process's server, or every worker */
  drain: DrainTarget;
  /** the turn-up checks: their report goes in every heartbeat, control's replies feed them */
  turnup?: TurnupPart;
  /** Where the counts come from: this process, or the sum of the workers' reports. */
  counts: {
    state(): ServeState;
    bytesSent(): number | Promise<number>;
    connections(): number;
    /** bodies of a file in flight (the evictor waits for them) */
    inFlight(fileId: string): number;
    tally: Pick<ResponseTally, 'snapshot'>;
    served: NonNullable<HeartbeatSources['served']>;
  };
}

export interface ControlParts {
  agent: ControlAgent;
  heartbeat: HeartbeatBuilder;
  fill?: FillPart;
  /** follows control's drain order; told of local drains by the admin listener */
  drain: ControlDrain;
}

/** Starts the filler (when configured) and the agent; the caller stops them. */
export function startControlParts(input: ControlPartsInput): ControlParts {
  const { config, identity, store, bgp, keys, chaos, metrics, logger, counts } = input;
  const control = config.control!;
  const fill =
    config.fill?.mode === 'on'
      ? startFill({
          settings: config.fill,
          controlUrl: control,
          applianceId: config.id,
          identityKey: identity.key,
          store,
          inFlight: (id) => counts.inFlight(id),
          metrics,
          logger,
          ...(isOneAddress(config.listen.host) ? { localAddress: config.listen.host } : {}),
        })
      : undefined;
  const heartbeat = new HeartbeatBuilder({
    url: input.url,
    site: config.site,
    version: input.version,
    capacityBitsPerSecond: () => config.capacityBps,
    state: () => counts.state(),
    disks: () => store.stats().disks,
    load: new LoadSampler({
      bytesSent: async () => counts.bytesSent(),
      connections: () => counts.connections(),
    }),
    inventory: new InventoryFeed(store),
    routes: bgp ? { feed: bgp.feed, rib: bgp.rib } : undefined,
    keys: () => keys?.heldKeys ?? [],
    responses: () => counts.tally.snapshot(),
    chaos: () => chaos.report(),
    fill: fill?.report,
    served: counts.served,
    ...(input.turnup ? { turnup: () => input.turnup?.runner.last() } : {}),
  });
  const agent = new ControlAgent({
    controlUrl: control,
    applianceId: config.id,
    identityKey: identity.key,
    logger,
    ...(config.controlGraceMs !== undefined ? { graceMs: config.controlGraceMs } : {}),
    ...(config.heartbeatMs !== undefined ? { intervalMs: config.heartbeatMs } : {}),
    heartbeat,
    chaos,
  });
  const drain = new ControlDrain(input.drain, logger.child({ part: 'control-drain' }));
  agent.onReply((reply) => {
    drain.receive(reply.drain);
    input.turnup?.noteReply(reply);
  });
  return { agent, heartbeat, fill, drain };
}

/** An address to connect from: an IP, not a wildcard or a name. */
function isOneAddress(host: string): boolean {
  return isIP(host) !== 0 && host !== '0.0.0.0' && host !== '::';
}
