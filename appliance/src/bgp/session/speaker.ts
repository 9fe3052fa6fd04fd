// The appliance's BGP speaker: one session per configured neighbor, a listener for passive
// ones. It learns routes and never sends an UPDATE (DESIGN flow 3: appliances only listen).
// A connection is taken only from a configured neighbor's address, unless a neighbor was
// configured explicitly for any address (labs only).
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { UpdateMessage } from '../codec/types.js';
import { CeaseSubcode, type State } from './fsm-types.js';
import { BgpListener, type Refusal } from './listener.js';
import { ANY_ADDRESS, type HostPort, type NeighborConfig } from './neighbors.js';
import { BgpSession } from './session.js';
import type { Clock } from './timers.js';

export interface SpeakerOptions {
  neighbors: NeighborConfig[];
  listen?: HostPort;
  logger: Logger;
  onUpdate?(peerKey: string, update: UpdateMessage): void;
  /** the session left Established: drop this peer's routes */
  onPeerDown?(peerKey: string, reason: string): void;
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
}

export class BgpSpeaker {
  readonly sessions: BgpSession[];
  private listener: BgpListener | undefined;
  private bound: HostPort | undefined;
  private held: string | undefined;

  constructor(private readonly opts: SpeakerOptions) {
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
      s.on('update', (u) => guard('update', () => opts.onUpdate?.(s.key, u)));
      s.on('down', (reason) => guard('peer-down', () => opts.onPeerDown?.(s.key, reason)));
      s.on('state', (state, reason) => guard('state', () => opts.onState?.(s.key, state, reason)));
      return s;
    });
  }

  /** The bound listen address (after start), e.g. to learn the port when listening on port 0. */
  get listenAddress(): HostPort | undefined {
    return this.bound;
  }

  async start(): Promise<void> {
    if (this.opts.listen) {
      this.listener = new BgpListener({
        ...this.opts.listen,
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
