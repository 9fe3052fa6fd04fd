// Prometheus metrics of the BGP side: session states, prefixes held, UPDATEs received. Gauges
// read their sources at scrape time, so nothing is kept up to date between scrapes except
// the UPDATE counters, which the speaker feeds through onUpdate().
import { Counter, Gauge, type Registry } from 'prom-client';
import { AFI_IPV4, AFI_IPV6, type UpdateMessage } from '../codec/types.js';
import type { AdjRibIn } from '../rib/rib.js';

/** RFC 4271 §8.2.2 states in their usual order, so 5 means Established. */
export const SESSION_STATES = [
  'idle',
  'connect',
  'active',
  'opensent',
  'openconfirm',
  'established',
] as const;

export function sessionStateValue(state: string | number): number {
  if (typeof state === 'number') return state;
  return SESSION_STATES.indexOf(
    state.toLowerCase().replace(/[^a-z]/g, '') as (typeof SESSION_STATES)[number],
  );
}

export interface BgpMetricSources {
  rib: Pick<AdjRibIn, 'size'> & { attrs?: { size: number }; staleCount?(peer?: string): number };
  sessions(): { peerKey: string; state: string | number; gracefulRestart?: { state: string } }[];
}

export interface BgpMetrics {
  /** Call for every UPDATE received (beside rib.apply). */
  onUpdate(peerKey: string, update?: UpdateMessage): void;
  /** Call for every connection the listener refused, with why (listener.ts RefusalKind). */
  onRefused(kind: string): void;
  /** Call for every End-of-RIB marker received. */
  onEndOfRib(peerKey: string, afi: number): void;
  /** Call when a peer reaches its max-prefix warning threshold or passes the limit. */
  onMaxPrefix(peerKey: string, what: 'warning' | 'exceeded', afi: number): void;
}

/** Length of the sliding window behind the updates-per-second gauge. */
const RATE_WINDOW_SEC = 10;

export function registerBgpMetrics(registry: Registry, sources: BgpMetricSources): BgpMetrics {
  const registers = [registry];
  new Gauge({
    name: 'ferry_bgp_session_state',
    help: 'BGP session state per peer: 0 Idle, 1 Connect, 2 Active, 3 OpenSent, 4 OpenConfirm, 5 Established',
    labelNames: ['peer'],
    registers,
    collect() {
      // Reset first so a peer removed from the configuration disappears from the output.
      this.reset();
      for (const s of sources.sessions()) this.set({ peer: s.peerKey }, sessionStateValue(s.state));
    },
  });
  new Gauge({
    name: 'ferry_bgp_prefixes',
    help: 'Routes in the Adj-RIB-In by address family (a prefix from two peers counts twice)',
    labelNames: ['afi'],
    registers,
    collect() {
      this.set({ afi: '4' }, sources.rib.size(AFI_IPV4));
      this.set({ afi: '6' }, sources.rib.size(AFI_IPV6));
    },
  });
  const attrs = sources.rib.attrs;
  if (attrs) {
    new Gauge({
      name: 'ferry_bgp_attribute_sets',
      help: 'Distinct path attribute sets held (shared by all prefixes that use them)',
      registers,
      collect() {
        this.set(attrs.size);
      },
    });
  }
  const staleCount = sources.rib.staleCount?.bind(sources.rib);
  if (staleCount) {
    new Gauge({
      name: 'ferry_bgp_stale_routes',
      help: 'Routes kept from peers that are restarting gracefully (RFC 4724), by peer',
      labelNames: ['peer'],
      registers,
      collect() {
        this.reset();
        for (const s of sources.sessions()) this.set({ peer: s.peerKey }, staleCount(s.peerKey));
      },
    });
  }
  new Gauge({
    name: 'ferry_bgp_graceful_restart_state',
    help: 'Graceful restart of a peer (RFC 4724): 0 none, 1 restarting (session down, routes kept), 2 waiting for End-of-RIB',
    labelNames: ['peer'],
    registers,
    collect() {
      this.reset();
      for (const s of sources.sessions()) {
        const st = s.gracefulRestart?.state;
        this.set({ peer: s.peerKey }, st === 'restarting' ? 1 : st === 'waiting-eor' ? 2 : 0);
      }
    },
  });
  const endOfRib = new Counter({
    name: 'ferry_bgp_end_of_rib_total',
    help: 'End-of-RIB markers received (RFC 4724 §2), by peer and family',
    labelNames: ['peer', 'afi'],
    registers,
  });
  const maxPrefix = new Counter({
    name: 'ferry_bgp_max_prefix_events_total',
    help: 'Max-prefix events (RFC 4486): warning (threshold reached, once a session) and exceeded (Cease 6/1 sent)',
    labelNames: ['peer', 'afi', 'event'],
    registers,
  });
  const updates = new Counter({
    name: 'ferry_bgp_updates_total',
    help: 'BGP UPDATE messages received, by peer',
    labelNames: ['peer'],
    registers,
  });
  const refused = new Counter({
    name: 'ferry_bgp_connections_refused_total',
    help: 'BGP connections closed on arrival: unknown-address (no neighbor), collision (RFC 4271 §6.8), not-accepting',
    labelNames: ['reason'],
    registers,
  });
  // One bucket per second over the window; the gauge is the window's mean rate.
  const buckets = new Array<number>(RATE_WINDOW_SEC).fill(0);
  const stamps = new Array<number>(RATE_WINDOW_SEC).fill(-1);
  const nowSec = () => Math.floor(performance.now() / 1000);
  new Gauge({
    name: 'ferry_bgp_updates_per_second',
    help: `BGP UPDATE messages received per second, mean over the last ${RATE_WINDOW_SEC} s`,
    registers,
    collect() {
      const now = nowSec();
      let sum = 0;
      for (let i = 0; i < RATE_WINDOW_SEC; i++) if (now - stamps[i]! < RATE_WINDOW_SEC) sum += buckets[i]!;
      this.set(sum / RATE_WINDOW_SEC);
    },
  });
  return {
    onRefused(kind) {
      refused.inc({ reason: kind });
    },
    onEndOfRib(peerKey, afi) {
      endOfRib.inc({ peer: peerKey, afi: String(afi) });
    },
    onMaxPrefix(peerKey, what, afi) {
      maxPrefix.inc({ peer: peerKey, afi: String(afi), event: what });
    },
    onUpdate(peerKey) {
      updates.inc({ peer: peerKey });
      const now = nowSec();
      const slot = now % RATE_WINDOW_SEC;
      if (stamps[slot] !== now) {
        stamps[slot] = now;
        buckets[slot] = 0;
      }
      buckets[slot]!++;
    },
  };
}
