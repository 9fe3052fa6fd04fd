// A minimal BGP speaker that announces prefixes (`ferry announce`), on the same FSM and
// session code as the appliance. It keeps its table and sends it whole after every
// Established (and on ROUTE-REFRESH, RFC 2918 §4); changes go out as they are made.
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { encodeEndOfRib, encodeUpdates, encodeWithdrawals, prefixToString } from '../codec/codec.js';
import { AFI_IPV4, AFI_IPV6, Origin, type PathAttributes, type Prefix } from '../codec/types.js';
import type { State } from '../session/fsm-types.js';
import { BgpListener } from '../session/listener.js';
import {
  ANY_ADDRESS,
  canonicalAddress,
  DEFAULT_HOLD_TIME_SEC,
  type HostPort,
  type NeighborConfig,
} from '../session/neighbors.js';
import { BgpSession } from '../session/session.js';

export interface AnnouncerOptions {
  /** connect to the peer (active) ... */
  connect?: HostPort;
  /** source address when connecting */
  localAddress?: string;
  /** ... or listen and accept the peer (passive) */
  listen?: HostPort;
  localAs: number;
  peerAs: number;
  routerId?: string;
  /** next hops, at most one per family; default: this end's address of the session */
  nextHops?: string[];
  /** RFC 1997 communities as 32-bit values */
  communities?: number[];
  /** RFC 8092 large communities */
  largeCommunities?: [number, number, number][];
  holdTimeSec?: number;
  connectRetrySec?: number;
  maxBackoffSec?: number;
  logger: Logger;
}

export const DEFAULT_ANNOUNCE_ROUTER_ID = '192.0.2.254';

export interface AnnouncerEvents {
  state: [state: State, reason: string];
  /** the whole table went out after Established */
  synced: [prefixes: number, ms: number];
  down: [reason: string];
}

export class Announcer extends EventEmitter<AnnouncerEvents> {
  readonly session: BgpSession;
  private readonly table = new Map<string, Prefix>();
  private listener: BgpListener | undefined;
  private bound: HostPort | undefined;
  /** sends are serialized so the peer sees changes in the order they were made */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: AnnouncerOptions) {
    super();
    if (!opts.connect === !opts.listen)
      throw new RangeError('Announcer needs exactly one of connect or listen');
    const neighbor: NeighborConfig = {
      address: opts.connect ? opts.connect.host : ANY_ADDRESS,
      port: opts.connect?.port ?? 179,
      peerAs: opts.peerAs,
      localAs: opts.localAs,
      routerId: opts.routerId ?? DEFAULT_ANNOUNCE_ROUTER_ID,
      mode: opts.connect ? 'active' : 'passive',
      holdTimeSec: opts.holdTimeSec ?? DEFAULT_HOLD_TIME_SEC,
      connectRetrySec: opts.connectRetrySec ?? 1,
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    };
    this.session = new BgpSession({ neighbor, logger: opts.logger, maxBackoffSec: opts.maxBackoffSec ?? 10 });
    this.session.on('state', (s, r) => this.emit('state', s, r));
    this.session.on('down', (r) => this.emit('down', r));
    this.session.on('established', () => this.enqueue(() => this.sendTable()));
    this.session.on('route-refresh', () => this.enqueue(() => this.sendTable()));
  }

  get state(): State {
    return this.session.state;
  }
  get size(): number {
    return this.table.size;
  }
  get listenAddress(): HostPort | undefined {
    return this.bound;
  }

  async start(): Promise<void> {
    if (this.opts.listen) {
      this.listener = new BgpListener({
        ...this.opts.listen,
        logger: this.opts.logger,
        accept: (_remote, socket) => this.session.offer(socket),
      });
      this.bound = await this.listener.listen();
    }
    this.session.start();
  }

  /** Resolves when the session is Established and the table has gone out; rejects after timeoutMs. */
  synced(timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('synced', done);
        reject(new Error(`BGP session not established within ${timeoutMs} ms (state ${this.state})`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.once('synced', done);
    });
  }

  /** Adds prefixes to the table; sent now when Established. Resolves when written. */
  announce(prefixes: readonly Prefix[]): Promise<void> {
    for (const p of prefixes) this.table.set(prefixToString(p), p);
    return this.enqueue(async () => {
      if (this.state === 'Established') await this.session.writeMessages(this.encodeAnnounce(prefixes));
    });
  }

  /** Removes prefixes from the table and withdraws them when Established. */
  withdraw(prefixes: readonly Prefix[]): Promise<void> {
    for (const p of prefixes) this.table.delete(prefixToString(p));
    return this.enqueue(async () => {
      if (this.state === 'Established') await this.session.writeMessages(encodeWithdrawals(prefixes));
    });
  }

  withdrawAll(): Promise<void> {
    return this.withdraw([...this.table.values()]);
  }

  /** Sends Cease (the peer drops every route of this session), closes, stops listening. */
  async stop(): Promise<void> {
    const closed = this.listener?.close();
    this.listener = undefined;
    await this.session.stop('announcer stopping');
    await closed;
  }

  private enqueue(fn: () => Promise<void>): Promise<void> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch((err) => this.opts.logger.error({ err }, 'bgp announce send failed'));
    return next;
  }

  private async sendTable(): Promise<void> {
    if (this.state !== 'Established') return;
    const started = performance.now();
    const prefixes = [...this.table.values()];
    // RFC 4724 §2: the initial update of each negotiated family ends with its End-of-RIB.
    const eor = (this.session.negotiated?.families ?? []).map((f) => encodeEndOfRib(f.afi, f.safi));
    const ok = await this.session.writeMessages([...this.encodeAnnounce(prefixes), ...eor]);
    if (ok) this.emit('synced', prefixes.length, performance.now() - started);
  }

  private encodeAnnounce(prefixes: readonly Prefix[]): Buffer[] {
    if (prefixes.length === 0) return [];
    const ctx = { fourOctetAs: this.session.negotiated?.fourOctetAs ?? false };
    return encodeUpdates(prefixes, this.attributes(prefixes), ctx);
  }

  /** ORIGIN IGP, our AS on the path for eBGP (RFC 4271 §5.1.2), next hops per family. */
  private attributes(prefixes: readonly Prefix[]): PathAttributes {
    const ebgp = this.opts.localAs !== this.opts.peerAs;
    const attrs: PathAttributes = {
      origin: Origin.IGP,
      asPath: ebgp ? [{ type: 'sequence', asns: [this.opts.localAs] }] : [],
    };
    if (!ebgp) attrs.localPref = 100;
    if (this.opts.communities?.length) attrs.communities = this.opts.communities;
    if (this.opts.largeCommunities?.length) attrs.largeCommunities = this.opts.largeCommunities;
    const local = canonicalAddress(this.session.localAddress ?? '');
    const given = (family: 4 | 6) => this.opts.nextHops?.find((a) => isIP(a) === family);
    const own = (family: 4 | 6) => (isIP(local) === family ? local : undefined);
    const v4 = given(4) ?? own(4) ?? this.opts.routerId ?? DEFAULT_ANNOUNCE_ROUTER_ID;
    if (prefixes.some((p) => p.afi === AFI_IPV4)) attrs.nextHop = v4;
    if (prefixes.some((p) => p.afi === AFI_IPV6)) {
      // RFC 4760 §3 wants an IPv6 next hop; over an IPv4 session the fallback is the
      // IPv4-mapped address (RFC 4291 §2.5.5.2), which some routers (BIRD) refuse.
      attrs.mpNextHop = [given(6) ?? own(6) ?? `::ffff:${v4}`];
    }
    return attrs;
  }
}
