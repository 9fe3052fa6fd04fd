// The vocabulary of the BGP state machine (RFC 4271 §8): states, events, actions, the
// configuration it reads and the snapshot it returns; also the connect-retry backoff.

import type { BgpError, NotificationMessage, OpenMessage, UpdateMessage } from '../codec/types.js';
import type { Negotiated, PeerGracefulRestart } from './negotiate.js';
import type { NeighborConfig } from './neighbors.js';

export type State = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

/** RFC 4271 §8.1 events (names kept), plus decode errors (Events 21, 22, 28 in one). */
export type FsmEvent =
  | { type: 'ManualStart' }
  /** subcode: the Cease subcode sent when connected (default Administrative Shutdown) */
  | { type: 'ManualStop'; reason?: string; subcode?: number }
  | { type: 'IdleHoldTimer_Expires' }
  | { type: 'ConnectRetryTimer_Expires' }
  | { type: 'HoldTimer_Expires' }
  | { type: 'KeepaliveTimer_Expires' }
  | { type: 'TcpConnectionConfirmed' }
  /**
   * A new connection from the peer replaces the current one, which has not reached
   * Established (RFC 4271 §6.8, see collision.ts). One FSM per neighbor rather than per
   * connection, so this is Event 23 (OpenCollisionDump) on the old connection followed by
   * Event 17 (TcpConnectionConfirmed) on the new one.
   */
  | {
      type: 'ConnectionReplaced';
      /** our OPEN already went out on the new connection (it was held, collision.ts 'hold') */
      openSent?: boolean;
    }
  | { type: 'TcpConnectionFails'; reason: string }
  | { type: 'BGPOpen'; open: OpenMessage }
  | { type: 'KeepAliveMsg' }
  | { type: 'UpdateMsg'; update: UpdateMessage }
  | { type: 'RouteRefreshMsg'; afi: number; safi: number }
  | { type: 'NotifMsg'; notification: NotificationMessage }
  | { type: 'DecodeError'; error: BgpError }
  /**
   * The peer's routes in a family passed the neighbor's maximum (RFC 4486 §4 Cease subcode 1);
   * raised by the speaker, which counts the routes held.
   */
  | { type: 'MaxPrefixExceeded'; afi: number; safi: number; limit: number; holdDownSec: number };

export type TimerName = 'connectRetry' | 'hold' | 'keepalive' | 'idleHold';
export const TIMERS: readonly TimerName[] = ['connectRetry', 'hold', 'keepalive', 'idleHold'];

export type FsmAction =
  | { type: 'connect' }
  | { type: 'send-open' }
  | { type: 'send-keepalive' }
  | { type: 'send-notification'; code: number; subcode: number; data: Uint8Array }
  | { type: 'start-timer'; timer: TimerName; ms: number }
  | { type: 'stop-timer'; timer: TimerName }
  | { type: 'drop-connection' }
  /** take the connection ConnectionReplaced was raised for (after the old one is dropped) */
  | { type: 'adopt-connection' }
  | { type: 'deliver-update'; update: UpdateMessage }
  | { type: 'route-refresh'; afi: number; safi: number }
  /**
   * Drop the peer's routes, or, with `graceful`, keep them marked stale (RFC 4724 §4.2: the
   * connection ended without a NOTIFICATION and the peer had advertised Graceful Restart).
   */
  | { type: 'release-routes'; graceful?: PeerGracefulRestart };

export interface FsmConfig {
  neighbor: NeighborConfig;
  /** ceiling of the exponential connect-retry backoff */
  maxBackoffSec?: number;
  /** uniform in [0, 1); injected so tests are deterministic */
  random?: () => number;
}

export interface FsmSnapshot {
  state: State;
  /** consecutive failed attempts since the last Established (RFC 4271 ConnectRetryCounter) */
  retries: number;
  negotiated: Negotiated | undefined;
}

export interface Transition {
  next: FsmSnapshot;
  actions: FsmAction[];
  reason: string;
}

/**
 * The default hold timer while waiting for the peer's OPEN (OpenSent), and for its KEEPALIVE
 * in OpenConfirm when no hold time was negotiated. RFC 4271 §8.2.2 asks for "a large value"
 * and suggests 4 minutes; nothing obliges us to keep an unauthenticated socket that says
 * nothing that long, and a router sends its OPEN as soon as TCP is up. A neighbor's
 * `openWaitSec` overrides it.
 */
export const DEFAULT_OPEN_WAIT_SEC = 10;
export const OPEN_HOLD_MS = DEFAULT_OPEN_WAIT_SEC * 1000;
export const DEFAULT_MAX_BACKOFF_SEC = 60;

/** RFC 4486 §4 Cease subcodes and RFC 6608 §4 FSM error subcodes. */
export const CeaseSubcode = {
  MAX_PREFIXES: 1,
  ADMIN_SHUTDOWN: 2,
  ADMIN_RESET: 4,
  CONNECTION_REJECTED: 5,
  COLLISION: 7,
} as const;
export const FsmSubcode: Partial<Record<State, number>> = { OpenSent: 1, OpenConfirm: 2, Established: 3 };

export function openWaitMs(cfg: FsmConfig): number {
  return cfg.neighbor.openWaitSec !== undefined ? cfg.neighbor.openWaitSec * 1000 : OPEN_HOLD_MS;
}

/**
 * Connect-retry delay after `retries` consecutive failures: the configured ConnectRetryTime
 * doubled per failure up to the cap, times a jitter factor in [0.75, 1) (RFC 4271 §10).
 */
export function backoffMs(cfg: FsmConfig, retries: number): number {
  const base = cfg.neighbor.connectRetrySec * 1000;
  const cap = (cfg.maxBackoffSec ?? DEFAULT_MAX_BACKOFF_SEC) * 1000;
  const raw = Math.min(cap, base * 2 ** Math.max(0, Math.min(retries - 1, 30)));
  const random = cfg.random ?? Math.random;
  return Math.round(raw * (0.75 + 0.25 * random()));
}

const codeNames: Record<number, string> = {
  1: 'Message Header Error',
  2: 'OPEN Message Error',
  3: 'UPDATE Message Error',
  4: 'Hold Timer Expired',
  5: 'Finite State Machine Error',
  6: 'Cease',
  7: 'ROUTE-REFRESH Message Error',
};

/** "6/2 (Cease)" for logs and status. */
export function describeNotification(code: number, subcode: number): string {
  return `${code}/${subcode} (${codeNames[code] ?? 'unknown'})`;
}
