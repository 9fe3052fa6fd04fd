// Builds each heartbeat (protocol/src/control-api.ts) and keeps what control has confirmed:
// inventory and routes go as a full list first, then as deltas since the last version
// control acknowledged. A heartbeat that fails is not counted as seen, so the next one
// carries the same changes again (folded into a larger delta). A large routes snapshot goes
// in parts (route-report.ts), one per heartbeat, each after control confirmed the last.
// Fill progress and the bytes served per file are taken into each heartbeat and put back
// when it fails (Reported).
import { randomBytes } from 'node:crypto';
import { statfsSync } from 'node:fs';
import {
  type ChaosReport,
  type FillReport,
  type Heartbeat,
  type HeartbeatReply,
  type HeldKey,
  type InventoryReport,
  MAX_HEARTBEAT_SEQ,
  type RoutesReport,
  type ServedReport,
  type TurnupReport,
} from '@ferry/protocol';
import type { DiskStats } from '../store/types.js';
import type { InventoryFeed } from './inventory-feed.js';
import type { LoadSampler } from './load.js';
import {
  type FrozenSnapshot,
  freezeSnapshot,
  type RouteSource,
  routesSince,
  snapshotPart,
} from './route-report.js';

/** 10 Gb/s: one appliance NIC, the Open Connect storage appliance's usual uplink. */
export const DEFAULT_CAPACITY_BPS = 10e9;

export interface HeartbeatSources {
  /** base URL devices fetch from */
  url: string;
  site: string;
  version: string;
  state(): Heartbeat['state'];
  /** what this appliance may send, bits/s (default 10 Gb/s); asked at each heartbeat (SIGHUP may change it) */
  capacityBitsPerSecond?: () => number | undefined;
  disks(): DiskStats[];
  load: Pick<LoadSampler, 'sample'>;
  inventory?: Pick<InventoryFeed, 'full' | 'since'>;
  /** the BGP route feed; routes are left out of the heartbeat without it */
  routes?: RouteSource;
  /** token keys held now ([] with --open): control signs only with a key every appliance has */
  keys?(): HeldKey[];
  /** content responses and failures since boot; left out without it */
  responses?(): { total: number; failed: number };
  /** chaos mode and the faults running; left out without it */
  chaos?(): ChaosReport;
  /** fill progress, and the corrupt sources since the last heartbeat; left out when not filling */
  fill?: Reported<FillReport>;
  /** body bytes served per file since the last heartbeat (popularity) */
  served?: Reported<ServedReport>;
  /** the last turn-up report (turnup/runner.ts); left out before the first run ends */
  turnup?(): TurnupReport | undefined;
  /** first sequence number of this boot (default 0) */
  firstSeq?: number;
  /** routes per snapshot part (default SNAPSHOT_PART_ROUTES) */
  partRoutes?: number;
}

/**
 * A report of what happened since the last heartbeat: taken into each heartbeat, and put
 * back when that heartbeat did not reach control, so nothing is lost to a failed one.
 */
export interface Reported<T> {
  take(): T;
  restore(sent: T): void;
}

/** What ControlAgent needs: a heartbeat to send, and to be told whether control took it. */
export interface HeartbeatSource {
  build(): Promise<Heartbeat>;
  delivered(sent: Heartbeat, reply: HeartbeatReply): void;
  failed(sent: Heartbeat): void;
}

/** 12 random bytes, 16 base64url characters: one id per appliance process. */
export function newBootId(): string {
  return randomBytes(12).toString('base64url');
}

export class HeartbeatBuilder implements HeartbeatSource {
  private seq: number;
  private bootId = newBootId();
  /** inventory version control holds; undefined: send the full list */
  private inventoryBase: number | undefined;
  private routesBase: { epoch: string; version: number } | undefined;
  /** a paged snapshot in progress: the part to send next */
  private paging: { frozen: FrozenSnapshot; index: number } | undefined;

  constructor(private readonly src: HeartbeatSources) {
    // Control keeps (boot, seq): a restarted process has a new boot, so seq starts again.
    this.seq = src.firstSeq ?? 0;
  }

  /** This process's boot id, sent in every heartbeat. */
  get boot(): string {
    return this.bootId;
  }

  /** The sequence number of the last heartbeat built. */
  get lastSeq(): number {
    return this.seq - 1;
  }

  async build(): Promise<Heartbeat> {
    const load = await this.src.load.sample();
    if (this.seq > MAX_HEARTBEAT_SEQ) {
      // Beyond the bound (68 years at one a second): a new boot, reported in full.
      this.bootId = newBootId();
      this.seq = 0;
      this.inventoryBase = undefined;
      this.routesBase = undefined;
    }
    const hb: Heartbeat = {
      url: this.src.url,
      site: this.src.site,
      version: this.src.version,
      state: this.src.state(),
      boot: this.bootId,
      seq: this.seq++,
      load,
      capacity: { bitsPerSecond: this.src.capacityBitsPerSecond?.() ?? DEFAULT_CAPACITY_BPS },
      disks: this.src.disks().map((d) => ({ id: d.id, state: d.state, bytes: d.bytes, ...diskSize(d.path) })),
    };
    if (this.src.keys) hb.keys = this.src.keys();
    if (this.src.responses) hb.responses = this.src.responses();
    if (this.src.chaos) hb.chaos = this.src.chaos();
    if (this.src.fill) hb.fill = this.src.fill.take();
    if (this.src.served) hb.served = this.src.served.take();
    const turnup = this.src.turnup?.();
    if (turnup) hb.turnup = turnup;
    const inventory = this.inventoryReport();
    if (inventory) hb.inventory = inventory;
    const routes = this.routesReport();
    if (routes) hb.routes = routes;
    return hb;
  }

  delivered(sent: Heartbeat, reply: HeartbeatReply): void {
    this.inventoryBase = reply.inventoryResync ? undefined : (sent.inventory?.version ?? this.inventoryBase);
    const routes = sent.routes;
    if (reply.routesResync) {
      this.routesBase = undefined;
      this.paging = undefined;
    } else if (routes?.kind === 'snapshot' && routes.part && routes.part.index + 1 < routes.part.count) {
      if (this.paging?.index === routes.part.index) this.paging.index++;
    } else if (routes) {
      this.routesBase = { epoch: routes.epoch, version: routes.version };
      this.paging = undefined;
    }
  }

  failed(sent: Heartbeat): void {
    // The bases move only when control confirms; what was taken since the last goes back.
    if (sent.fill) this.src.fill?.restore(sent.fill);
    if (sent.served) this.src.served?.restore(sent.served);
  }

  private inventoryReport(): InventoryReport | undefined {
    const inv = this.src.inventory;
    if (!inv) return undefined;
    if (this.inventoryBase !== undefined) {
      const d = inv.since(this.inventoryBase);
      if (!('resync' in d)) return { kind: 'delta', ...d };
    }
    return { kind: 'full', ...inv.full() };
  }

  private routesReport(): RoutesReport | undefined {
    const src = this.src.routes;
    if (!src) return undefined;
    if (this.routesBase && !this.paging) {
      const delta = routesSince(src, this.routesBase.epoch, this.routesBase.version, this.src.partRoutes);
      if (delta) return delta;
    }
    this.paging ??= { frozen: freezeSnapshot(src, this.src.partRoutes), index: 0 };
    return snapshotPart(this.paging.frozen, this.paging.index);
  }
}

/** The filesystem's size under a store disk (what placement may fill); nothing when unreadable. */
function diskSize(path: string): { sizeBytes?: number } {
  try {
    const fs = statfsSync(path);
    return { sizeBytes: fs.blocks * fs.bsize };
  } catch {
    return {};
  }
}
