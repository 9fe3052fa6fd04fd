// The versioned route feed that goes to control: a full snapshot first, then the changes
// since the version control last saw. Every change to a (prefix, peer) route bumps the version
// by one. The change log is bounded; a version older than the log (or from before a restart,
// told apart by the epoch) gets `resync`, and control takes a new snapshot. Nothing is kept per
// route beyond the RIB itself: the snapshot is read from the RIB when asked for.
import { randomBytes } from 'node:crypto';
import { ChangeLog } from '../../feed/change-log.js';
import { AFI_IPV4, AFI_IPV6, type Afi } from '../codec/types.js';
import type { InternedAttrs } from '../rib/attr-intern.js';
import type { AdjRibIn, RibChange } from '../rib/rib.js';
import { type AsPathView, attrView, keyText } from '../rib/route-view.js';

/** What control needs of a route: which prefix, from which peer, and what steering ranks on. */
export interface FeedRoute {
  prefix: string;
  peer: string;
  asPath: AsPathView;
  localPref: number | null;
  med: number | null;
  origin: 'igp' | 'egp' | 'incomplete' | null;
}

export interface FeedWithdrawal {
  prefix: string;
  peer: string;
}

export interface FeedSnapshot {
  epoch: string;
  version: number;
  routes: FeedRoute[];
}

export type FeedDelta =
  | { epoch: string; version: number; since: number; announced: FeedRoute[]; withdrawn: FeedWithdrawal[] }
  | { epoch: string; version: number; resync: true };

export interface RouteFeedOptions {
  /** most changes kept for deltas; beyond that, older versions must resync (default 100,000) */
  maxLog?: number;
  /** identifies this feed's version sequence; a new one after every restart */
  epoch?: string;
}

interface LogEntry {
  readonly afi: Afi;
  readonly len: number;
  readonly key: number | string;
  readonly peer: string;
  /** the interned set itself, not its id: ids are reused once a set is freed */
  readonly attrs: InternedAttrs | null;
}

export class RouteFeed {
  readonly epoch: string;
  private readonly log: ChangeLog<LogEntry>;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly rib: AdjRibIn,
    opts: RouteFeedOptions = {},
  ) {
    this.log = new ChangeLog(opts.maxLog);
    this.epoch = opts.epoch ?? randomBytes(8).toString('hex');
    this.unsubscribe = rib.subscribe((c) => this.record(c));
  }

  get version(): number {
    return this.log.version;
  }

  /** Changes still in the log (for status and metrics). */
  get logSize(): number {
    return this.log.size;
  }

  close(): void {
    this.unsubscribe();
  }

  snapshot(): FeedSnapshot {
    return { epoch: this.epoch, version: this.log.version, routes: [...this.routes()] };
  }

  /**
   * Every route now held, read straight from the RIB; for sending a large snapshot in chunks
   * without building it whole. Consume it before the RIB changes again (same tick) to get
   * the state of exactly `version`.
   */
  *routes(): Generator<FeedRoute> {
    for (const t of this.rib.peerTables()) {
      for (let len = 0; len <= 32; len++) {
        for (const [key, id] of t.v4[len]!) {
          yield this.route(AFI_IPV4, len, key, t.peer, this.rib.attrs.get(id));
        }
      }
      for (const [key, id] of t.v6) {
        yield this.route(AFI_IPV6, key.charCodeAt(0), key, t.peer, this.rib.attrs.get(id));
      }
    }
  }

  /**
   * Changes after version `since`, folded so each route appears once with its latest state.
   * `resync` when `since` is older than the log, newer than now, or from another epoch.
   */
  deltasSince(since: number, epoch: string = this.epoch): FeedDelta {
    const changes = epoch === this.epoch ? this.log.since(since) : undefined;
    if (!changes) return { epoch: this.epoch, version: this.log.version, resync: true };
    const latest = new Map<string, LogEntry>();
    for (const e of changes) latest.set(`${e.peer}\u0000${e.afi}/${e.len}/${e.key}`, e);
    const announced: FeedRoute[] = [];
    const withdrawn: FeedWithdrawal[] = [];
    for (const e of latest.values()) {
      if (e.attrs) announced.push(this.route(e.afi, e.len, e.key, e.peer, e.attrs));
      else withdrawn.push({ prefix: keyText(e.afi, e.len, e.key), peer: e.peer });
    }
    return { epoch: this.epoch, version: this.log.version, since, announced, withdrawn };
  }

  private route(afi: Afi, len: number, key: number | string, peer: string, attrs: InternedAttrs): FeedRoute {
    const v = attrView(attrs, afi);
    return {
      prefix: keyText(afi, len, key),
      peer,
      asPath: v.asPath,
      localPref: v.localPref,
      med: v.med,
      origin: v.origin,
    };
  }

  private record(c: RibChange): void {
    this.log.append({ afi: c.afi, len: c.len, key: c.key, peer: c.peer, attrs: c.attrs });
  }
}
