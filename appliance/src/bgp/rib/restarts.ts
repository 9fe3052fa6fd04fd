// RFC 4724 §4.2, the receiving speaker: a peer that advertised Graceful Restart and whose TCP
// session ended without a NOTIFICATION keeps its routes in the Adj-RIB-In, marked stale, so
// steering goes on through a router restart. They go when the peer does not come back within
// its Restart Time, when its new OPEN no longer lists the family with the Forwarding State
// bit, when its End-of-RIB for the family arrives (only the ones it did not re-announce), or
// at the latest after the neighbor's stale cap, counted from the first loss.
import type { Logger } from 'pino';
import { AFI_IPV4, AFI_IPV6, type Afi, SAFI_UNICAST } from '../codec/types.js';
import type { Negotiated, PeerGracefulRestart } from '../session/negotiate.js';
import { type Clock, systemClock } from '../session/timers.js';
import type { AdjRibIn } from './rib.js';

/** `restarting`: the session is down, routes kept; `waiting-eor`: back up, stale ones left. */
export type RestartState = 'restarting' | 'waiting-eor';

export interface RestartStatus {
  state: RestartState;
  staleRoutes: number;
  /** ISO time the peer's session went down */
  since: string;
}

interface Entry {
  state: RestartState;
  since: number;
  restartTimer?: unknown;
  capTimer: unknown;
}

const FAMILIES: readonly Afi[] = [AFI_IPV4, AFI_IPV6];

export class PeerRestarts {
  private readonly peers = new Map<string, Entry>();
  private readonly clock: Clock;

  constructor(
    private readonly rib: AdjRibIn,
    private readonly logger: Logger,
    clock?: Clock,
  ) {
    this.clock = clock ?? systemClock;
  }

  /**
   * The peer's session left Established. Without `graceful` its routes go now; with it, the
   * families the peer listed stay (stale) and the others go.
   */
  down(peer: string, reason: string, graceful: PeerGracefulRestart | undefined, staleCapSec: number): void {
    if (!graceful) {
      this.forget(peer);
      this.logger.warn({ peer, reason, withdrawn: this.rib.dropPeer(peer) }, 'bgp peer down');
      return;
    }
    const kept = FAMILIES.filter((afi) =>
      graceful.families.some((f) => f.afi === afi && f.safi === SAFI_UNICAST),
    );
    this.rib.markStale(peer, FAMILIES);
    const dropped = this.rib.sweepStale(
      peer,
      FAMILIES.filter((afi) => !kept.includes(afi)),
    );
    let e = this.peers.get(peer);
    if (!e) {
      // The cap counts from the first loss: a peer that flaps never extends it.
      const capTimer = this.clock.setTimeout(() => this.expire(peer, 'stale time cap'), staleCapSec * 1000);
      e = { state: 'restarting', since: this.clock.now(), capTimer };
      this.peers.set(peer, e);
    }
    e.state = 'restarting';
    if (e.restartTimer !== undefined) this.clock.clearTimeout(e.restartTimer);
    e.restartTimer = this.clock.setTimeout(
      () => this.expire(peer, `restart time ${graceful.restartTimeSec}s passed`),
      graceful.restartTimeSec * 1000,
    );
    this.logger.warn(
      {
        peer,
        reason,
        stale: this.rib.staleCount(peer),
        withdrawn: dropped,
        restartTimeSec: graceful.restartTimeSec,
      },
      'bgp peer down, restarting gracefully: routes kept as stale',
    );
  }

  /**
   * The session is back (RFC 4724 §4.2): the restart timer stops; a family whose new
   * capability lacks it, or lacks the Forwarding State bit, loses its stale routes now.
   */
  established(peer: string, negotiated: Negotiated): void {
    const e = this.peers.get(peer);
    if (!e) return;
    if (e.restartTimer !== undefined) this.clock.clearTimeout(e.restartTimer);
    e.restartTimer = undefined;
    e.state = 'waiting-eor';
    const gr = negotiated.gracefulRestart;
    const lost = FAMILIES.filter(
      (afi) => !gr?.families.some((f) => f.afi === afi && f.safi === SAFI_UNICAST && f.forwardingPreserved),
    );
    const withdrawn = this.rib.sweepStale(peer, lost);
    if (withdrawn > 0) {
      this.logger.warn(
        { peer, withdrawn, families: lost },
        'bgp peer back without forwarding state: its stale routes are withdrawn',
      );
    }
    this.settle(peer);
  }

  /** End-of-RIB from the peer: what it did not re-announce in the family goes. */
  endOfRib(peer: string, afi: number, safi: number): void {
    if (!this.peers.has(peer) || safi !== SAFI_UNICAST || !FAMILIES.includes(afi as Afi)) return;
    const withdrawn = this.rib.sweepStale(peer, [afi as Afi]);
    this.logger.info({ peer, afi, withdrawn }, 'bgp End-of-RIB: stale routes not re-announced withdrawn');
    this.settle(peer);
  }

  status(peer: string): RestartStatus | undefined {
    const e = this.peers.get(peer);
    if (!e) return undefined;
    return {
      state: e.state,
      staleRoutes: this.rib.staleCount(peer),
      since: new Date(e.since).toISOString(),
    };
  }

  close(): void {
    for (const peer of [...this.peers.keys()]) this.forget(peer);
  }

  private expire(peer: string, why: string): void {
    const e = this.peers.get(peer);
    if (!e) return;
    const withdrawn = this.rib.sweepStale(peer);
    this.logger.warn({ peer, withdrawn }, `bgp graceful restart over (${why}): stale routes withdrawn`);
    this.forget(peer);
  }

  /** Ends the restart once nothing is stale and the session is up. */
  private settle(peer: string): void {
    const e = this.peers.get(peer);
    if (e?.state === 'waiting-eor' && this.rib.staleCount(peer) === 0) this.forget(peer);
  }

  private forget(peer: string): void {
    const e = this.peers.get(peer);
    if (!e) return;
    if (e.restartTimer !== undefined) this.clock.clearTimeout(e.restartTimer);
    this.clock.clearTimeout(e.capTimer);
    this.peers.delete(peer);
  }
}
