// The appliance's BGP speaker: one session per configured neighbor, a listener for passive
// ones. It learns routes and never sends an UPDATE (DESIGN flow 3: appliances only listen).
// A connection is taken only from a configured neighbor's address, unless a neighbor was
// configured explicitly for any address (labs only).
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { encodeEndOfRib } from '../codec/codec.js';
import { AFI_IPV4, AFI_IPV6, type Afi, SAFI_UNICAST, type UpdateMessage } from '../codec/types.js';
import { PeerRestarts, type RestartStatus } from '../rib/restarts.js';
import type { AdjRibIn } from '../rib/rib.js';
import { CeaseSubcode, type State } from './fsm-types.js';
import { BgpListener, type Refusal } from './listener.js';
import { ANY_ADDRESS, type HostPort, type NeighborConfig } from './neighbors.js';
import { BgpSession } from './session.js';
import { checkMd5Available } from './tcp-md5.js';
import type { Clock } from './timers.js';

export interface SpeakerOptions {
  neighbors: NeighborConfig[];
  listen?: HostPort;
  logger: Logger;
  /**
   * The Adj-RIB-In the speaker keeps: UPDATEs applied, a peer's routes dropped when its
   * session ends or kept stale through a graceful restart (RFC 4724), and the max-prefix
   * limit (RFC 4486) counted on it. Without it the caller does all that in the callbacks.
   */
  rib?: AdjRibIn;
  onUpdate?(peerKey: string, update: UpdateMessage): void;
  /** the session left Established (with `rib`, its routes are already dropped or kept stale) */
  onPeerDown?(peerKey: string, reason: string, graceful: boolean): void;
  /** the peer's End-of-RIB for a family (RFC 4724 §2) */
  onEndOfRib?(peerKey: string, afi: number, safi: number): void;
  /** a peer reached the max-prefix warning threshold, or went past the limit (with `rib`) */
  onMaxPrefix?(peerKey: string, what: 'warning' | 'exceeded', afi: Afi, count: number, limit: number): void;
  onState?(peerKey: string, state: State, reason: string): void;
  /** a connection was refused (stranger's address, collision, neighbor not accepting) */
  onRefused?(refusal: Refusal, remoteAddress: string): void;
  clock?: Clock;
  random?: () => number;
  maxBackoffSec?: number;
}

export interface PeerStatus {
  peerKey: string;
  address: string;
  peerAs: number;
  mode: 'active' | 'passive';
  state: State;
  /** ISO time the current state began */
  since: string;
  /** seconds in Established, 0 otherwise */
  uptimeSec: number;
  /** why the session last changed state */
  reason: string;
  lastError?: string;
  holdTimeSec?: number;
  received: { updates: number; prefixesV4: number; prefixesV6: number };
  /** the peer's graceful restart, while its routes are kept stale (RFC 4724 §4.2) */
  gracefulRestart?: RestartStatus;
  /** End-of-RIB received in this session, per family (`ipv4`, `ipv6`) */
  endOfRib: string[];
}

export class BgpSpeaker {
  readonly sessions: BgpSession[];
  private listener: BgpListener | undefined;
  private bound: HostPort | undefined;
  private held: string | undefined;
  readonly restarts: PeerRestarts | undefined;
  /** per peer: families whose End-of-RIB arrived in the current session */
  private readonly eor = new Map<string, Set<number>>();
  /** per peer: families whose max-prefix warning was given in the current session */
  private readonly warned = new Map<string, Set<number>>();

  constructor(private readonly opts: SpeakerOptions) {
    const rib = opts.rib;
    this.restarts = rib ? new PeerRestarts(rib, opts.logger, opts.clock) : undefined;
    this.sessions = opts.neighbors.map((neighbor) => {
      const s = new BgpSession({
        neighbor,
        logger: opts.logger,
        clock: opts.clock,
        random: opts.random,
        maxBackoffSec: opts.maxBackoffSec,
      });
      // A failing consumer is a bug to log, not a reason to take the session or process down.
      const guard = (what: string, fn: () => void) => {
        try {
          fn();
        } catch (err) {
          opts.logger.error({ err, peer: s.key }, `bgp ${what} handler failed`);
        }
      };
      s.on('update', (u) =>
        guard('update', () => {
          if (rib) {
            rib.apply(s.key, u);
            this.checkMaxPrefix(s, u);
          }
          opts.onUpdate?.(s.key, u);
        }),
      );
      s.on('down', (reason, graceful) =>
        guard('peer-down', () => {
          this.eor.delete(s.key);
          this.restarts?.down(s.key, reason, graceful, neighbor.gracefulRestart?.staleTimeSec ?? 0);
          opts.onPeerDown?.(s.key, reason, graceful !== undefined);
        }),
      );
      s.on('established', (negotiated) =>
        guard('established', () => {
          this.warned.delete(s.key);
          this.restarts?.established(s.key, negotiated);
          // RFC 4724 §4.2 (and §2, for every session): End-of-RIB once the initial update is
          // done, here at once, as this speaker announces nothing.
          void s.writeMessages(negotiated.families.map((f) => encodeEndOfRib(f.afi, f.safi)));
        }),
      );
      s.on('end-of-rib', (afi, safi) =>
        guard('end-of-rib', () => {
          const got = this.eor.get(s.key) ?? new Set<number>();
          this.eor.set(s.key, got);
          got.add(afi);
          this.restarts?.endOfRib(s.key, afi, safi);
          opts.onEndOfRib?.(s.key, afi, safi);
        }),
      );
      s.on('state', (state, reason) => guard('state', () => opts.onState?.(s.key, state, reason)));
      return s;
    });
  }

  /** The bound listen address (after start), e.g. to learn the port when listening on port 0. */
  get listenAddress(): HostPort | undefined {
    return this.bound;
  }

  async start(): Promise<void> {
    const md5Keys = this.opts.neighbors.flatMap((n) =>
      n.password !== undefined ? [{ address: n.address, password: n.password }] : [],
    );
    if (md5Keys.length > 0) checkMd5Available();
    if (this.opts.listen) {
      this.listener = new BgpListener({
        ...this.opts.listen,
        md5Keys: md5Keys.filter((k) =>
          this.opts.neighbors.some((n) => n.address === k.address && n.mode === 'passive'),
        ),
        logger: this.opts.logger,
        accept: (remote, socket) => this.accept(remote, socket),
        onRefused: (refusal, remote) => this.opts.onRefused?.(refusal, remote),
      });
      this.bound = await this.listener.listen();
      this.opts.logger.info({ listen: this.bound }, 'bgp listening');
    }
    for (const s of this.sessions) {
      if (s.neighbor.address === ANY_ADDRESS) {
        this.opts.logger.warn(
          { peer: s.key },
          'bgp neighbor accepts connections from any address (--bgp-peer any): for labs only',
        );
      }
      s.start();
    }
  }

  /** Sends Cease to every established peer, closes every connection and the listener. */
  async stop(): Promise<void> {
    const closed = this.listener?.close();
    this.listener = undefined;
    await Promise.all(this.sessions.map((s) => s.stop('speaker stopping')));
    await closed;
    this.restarts?.close();
  }

  /**
   * RFC 4486: past the neighbor's limit in a family, Cease 6/1 and Idle for the hold-down;
   * at the warning threshold, one log line and one count per session.
   */
  private checkMaxPrefix(s: BgpSession, u: UpdateMessage): void {
    const max = s.neighbor.maxPrefixes;
    const rib = this.opts.rib;
    if (!max || !rib || u.announced.length === 0 || s.state !== 'Established') return;
    for (const afi of [AFI_IPV4, AFI_IPV6] as const) {
      if (!u.announced.some((p) => p.afi === afi)) continue;
      const count = rib.peerCount(s.key, afi);
      if (count > max.limit) {
        this.opts.logger.warn(
          { peer: s.key, afi, count, limit: max.limit, idleSec: max.restartSec },
          'bgp maximum number of prefixes exceeded: session closed (Cease 6/1)',
        );
        this.opts.onMaxPrefix?.(s.key, 'exceeded', afi, count, max.limit);
        s.maxPrefixExceeded(afi, SAFI_UNICAST, max.limit, max.restartSec);
        return;
      }
      const threshold = Math.ceil((max.limit * max.warnPercent) / 100);
      const warned = this.warned.get(s.key) ?? new Set<number>();
      if (count >= threshold && !warned.has(afi)) {
        this.warned.set(s.key, warned);
        warned.add(afi);
        this.opts.logger.warn(
          { peer: s.key, afi, count, limit: max.limit, warnPercent: max.warnPercent },
          'bgp peer near its maximum number of prefixes',
        );
        this.opts.onMaxPrefix?.(s.key, 'warning', afi, count, max.limit);
      }
    }
  }

  /** Why the sessions are held down (holdDown), or undefined while they run. */
  get heldDown(): string | undefined {
    return this.held;
  }

  /**
   * Drops every session with a Cease (each peer's routes are withdrawn) and keeps them Idle,
   * so reconnects are refused (RFC 4271 §8.2.2 Idle), until release(). The chaos bgp-flap.
   */
  async holdDown(reason: string, subcode: number): Promise<void> {
    this.held = reason;
    await Promise.all(this.sessions.map((s) => s.stop(reason, subcode)));
  }

  /** Ends a hold-down: sessions start again; passive ones take the peer's next connection. */
  release(): void {
    if (this.held === undefined) return;
    this.held = undefined;
    for (const s of this.sessions) s.start();
  }

  status(): PeerStatus[] {
    const now = Date.now();
    return this.sessions.map((s) => {
      const up = s.state === 'Established';
      const { updates, prefixesV4, prefixesV6 } = s.received;
      return {
        peerKey: s.key,
        address: s.address,
        peerAs: s.neighbor.peerAs,
        mode: s.neighbor.mode,
        state: s.state,
        since: new Date(s.since).toISOString(),
        uptimeSec: up ? Math.max(0, Math.floor((now - s.since) / 1000)) : 0,
        reason: s.reason,
        ...(s.lastError ? { lastError: s.lastError } : {}),
        ...(s.negotiated ? { holdTimeSec: s.negotiated.holdTimeSec } : {}),
        received: up ? { updates, prefixesV4, prefixesV6 } : { updates: 0, prefixesV4: 0, prefixesV6: 0 },
        ...optionalRestart(this.restarts?.status(s.key)),
        endOfRib: [...(this.eor.get(s.key) ?? [])].sort().map((afi) => (afi === AFI_IPV4 ? 'ipv4' : 'ipv6')),
      };
    });
  }

  /**
   * The neighbor configured for this address, else the any-address one. A stranger is
   * refused here, before any session sees the socket: no byte is read, no state changes.
   */
  private accept(remote: string, socket: Socket): Refusal | undefined {
    const exact = this.sessions.find((s) => s.neighbor.address === remote);
    const session = exact ?? this.sessions.find((s) => s.neighbor.address === ANY_ADDRESS);
    if (!session)
      return {
        kind: 'unknown-address',
        subcode: CeaseSubcode.CONNECTION_REJECTED,
        reason: 'no neighbor for this address',
      };
    return session.offer(socket);
  }
}

function optionalRestart(r: RestartStatus | undefined): { gracefulRestart?: RestartStatus } {
  return r ? { gracefulRestart: r } : {};
}
