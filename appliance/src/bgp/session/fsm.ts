// The BGP-4 finite state machine (RFC 4271 §8), pure: no sockets, no clocks. One function
// per state takes an event and returns the next state, the actions the session must carry
// out (send, timers, connection, routes) and a reason for the log. Timers are named and
// abstract; the session (or a test on a fake clock) runs them and feeds their expiry back.

import { ErrorCode } from '../codec/types.js';
import {
  backoffMs,
  CeaseSubcode,
  describeNotification,
  type FsmAction,
  type FsmConfig,
  type FsmEvent,
  type FsmSnapshot,
  FsmSubcode,
  openWaitMs,
  type State,
  TIMERS,
  type Transition,
} from './fsm-types.js';
import { checkOpen, isRefusal, type Negotiated } from './negotiate.js';

const stopAll: FsmAction[] = TIMERS.map((timer) => ({ type: 'stop-timer', timer }));

function to(s: FsmSnapshot, state: State, reason: string, actions: FsmAction[] = []): Transition {
  return { next: { ...s, state }, actions, reason };
}

function notification(code: number, subcode: number, data: Uint8Array = new Uint8Array(0)): FsmAction {
  return { type: 'send-notification', code, subcode, data };
}

/** Start, or restart after a failure: active neighbors connect, passive ones wait (RFC 4271 §8.2.2 Idle). */
function begin(cfg: FsmConfig, s: FsmSnapshot, reason: string): Transition {
  if (cfg.neighbor.mode === 'passive') return to(s, 'Active', reason);
  return to(s, 'Connect', reason, [
    { type: 'connect' },
    { type: 'start-timer', timer: 'connectRetry', ms: backoffMs(cfg, s.retries) },
  ]);
}

/**
 * The session ends (error, NOTIFICATION, lost connection): timers stop, the connection
 * drops, routes learned in Established are released, and the neighbor goes to Idle with the
 * IdleHoldTimer set to the backoff (RFC 4271 §8.1.1 DampPeerOscillations). Passive neighbors
 * go straight back to Active: the peer's own connect-retry timer paces its reconnects.
 */
function sessionEnds(
  cfg: FsmConfig,
  s: FsmSnapshot,
  reason: string,
  first: FsmAction[] = [],
  graceful = false,
): Transition {
  const actions: FsmAction[] = [...first, ...stopAll, { type: 'drop-connection' }];
  if (s.state === 'Established') actions.push(release(s, graceful));
  const next: FsmSnapshot = { state: 'Idle', retries: s.retries + 1, negotiated: undefined };
  if (cfg.neighbor.mode === 'passive') return { next: { ...next, state: 'Active' }, actions, reason };
  actions.push({ type: 'start-timer', timer: 'idleHold', ms: backoffMs(cfg, next.retries) });
  return { next, actions, reason };
}

/**
 * RFC 4724 §4.2: only a TCP session that ends without a NOTIFICATION, with a peer whose
 * Graceful Restart capability listed families, leaves routes behind (stale). Everything that
 * sends or receives a NOTIFICATION, our hold timer expiring included, drops them (RFC 8538
 * would keep them through a NOTIFICATION too; this speaker follows RFC 4724).
 */
function release(s: FsmSnapshot, graceful: boolean): FsmAction {
  const gr = s.negotiated?.gracefulRestart;
  if (graceful && gr && gr.families.length > 0) return { type: 'release-routes', graceful: gr };
  return { type: 'release-routes' };
}

/**
 * RFC 4486 §4: Cease / Maximum Number of Prefixes Reached, data AFI (2) SAFI (1) and the
 * upper bound (4). The neighbor then stays Idle, refusing the peer, for the hold-down:
 * a peer that reconnects at once would only overflow again.
 */
function maxPrefixExceeded(ev: Extract<FsmEvent, { type: 'MaxPrefixExceeded' }>): Transition {
  const data = new Uint8Array(7);
  const view = new DataView(data.buffer);
  view.setUint16(0, ev.afi);
  view.setUint8(2, ev.safi);
  view.setUint32(3, ev.limit >>> 0);
  const actions: FsmAction[] = [
    notification(ErrorCode.CEASE, CeaseSubcode.MAX_PREFIXES, data),
    ...stopAll,
    { type: 'drop-connection' },
    { type: 'release-routes' },
    { type: 'start-timer', timer: 'idleHold', ms: ev.holdDownSec * 1000 },
  ];
  const next: FsmSnapshot = { state: 'Idle', retries: 0, negotiated: undefined };
  const reason = `maximum number of prefixes reached (AFI ${ev.afi}: more than ${ev.limit}); idle for ${ev.holdDownSec}s`;
  return { next, actions, reason };
}

function manualStop(s: FsmSnapshot, ev: { reason?: string; subcode?: number }): Transition {
  const connected = s.state === 'OpenSent' || s.state === 'OpenConfirm' || s.state === 'Established';
  const actions: FsmAction[] = [];
  // RFC 4486 §4: Administrative Shutdown tells the peer the stop was deliberate
  // (Administrative Reset when the session is meant to come back).
  if (connected) actions.push(notification(ErrorCode.CEASE, ev.subcode ?? CeaseSubcode.ADMIN_SHUTDOWN));
  actions.push(...stopAll, { type: 'drop-connection' });
  if (s.state === 'Established') actions.push(release(s, false));
  const next: FsmSnapshot = { state: 'Idle', retries: 0, negotiated: undefined };
  return { next, actions, reason: ev.reason ?? 'manual stop' };
}

/** Events every connected state handles alike. */
function connectedCommon(cfg: FsmConfig, s: FsmSnapshot, ev: FsmEvent): Transition | undefined {
  switch (ev.type) {
    case 'ManualStop':
      return manualStop(s, ev);
    case 'TcpConnectionFails':
      return sessionEnds(cfg, s, `connection lost: ${ev.reason}`, [], true);
    case 'NotifMsg': {
      const n = ev.notification;
      return sessionEnds(cfg, s, `peer sent NOTIFICATION ${describeNotification(n.code, n.subcode)}`);
    }
    case 'HoldTimer_Expires':
      // RFC 4271 §6.5: Hold Timer Expired, no subcode.
      return sessionEnds(cfg, s, 'hold timer expired', [notification(ErrorCode.HOLD_TIMER_EXPIRED, 0)]);
    case 'DecodeError': {
      const e = ev.error;
      return sessionEnds(cfg, s, `bad message from peer: ${e.message}`, [
        notification(e.code, e.subcode, e.data),
      ]);
    }
    default:
      return undefined;
  }
}

/** RFC 6608: an event the state does not expect is an FSM error. */
function unexpected(cfg: FsmConfig, s: FsmSnapshot, ev: FsmEvent): Transition {
  return sessionEnds(cfg, s, `unexpected ${ev.type} in ${s.state}`, [
    notification(ErrorCode.FSM, FsmSubcode[s.state] ?? 0),
  ]);
}

/**
 * Entering OpenSent on a fresh connection (RFC 4271 §8.2.2 Connect/Active, Event 17): our
 * OPEN, and the hold timer set to the OPEN wait, so a silent socket is dropped quickly.
 */
function openSentEntry(cfg: FsmConfig): FsmAction[] {
  return [
    { type: 'stop-timer', timer: 'connectRetry' },
    { type: 'send-open' },
    { type: 'start-timer', timer: 'hold', ms: openWaitMs(cfg) },
  ];
}

/**
 * RFC 4271 §6.8: the current connection (OpenSent or OpenConfirm) loses to a new one from
 * the peer: Cease / Connection Collision Resolution (RFC 4486 §4, subcode 7) on the old
 * connection, then OpenSent on the new one. Not a failure: the retry counter stays.
 */
function replaced(cfg: FsmConfig, s: FsmSnapshot, openSent = false): Transition {
  const entry = openSentEntry(cfg).filter((a) => !(openSent && a.type === 'send-open'));
  const actions: FsmAction[] = [
    notification(ErrorCode.CEASE, CeaseSubcode.COLLISION),
    ...stopAll,
    { type: 'drop-connection' },
    { type: 'adopt-connection' },
    ...entry,
  ];
  const next: FsmSnapshot = { ...s, state: 'OpenSent', negotiated: undefined };
  return {
    next,
    actions,
    reason: `connection collision: a new connection from the peer replaced the one in ${s.state}`,
  };
}

function idle(cfg: FsmConfig, s: FsmSnapshot, ev: FsmEvent): Transition {
  switch (ev.type) {
    case 'ManualStart':
      return begin(cfg, { ...s, retries: 0 }, 'manual start');
    case 'IdleHoldTimer_Expires':
      return begin(cfg, s, `retrying (attempt ${s.retries + 1})`);
    case 'ManualStop':
      return to(s, 'Idle', ev.reason ?? 'manual stop', [...stopAll]);
    default:
      // RFC 4271 §8.2.2: any other event is ignored in Idle.
      return to(s, 'Idle', `ignored ${ev.type} in Idle`);
  }
}

function connect(cfg: FsmConfig, s: FsmSnapshot, ev: FsmEvent): Transition {
  switch (ev.type) {
    case 'ManualStop':
      return manualStop(s, ev);
    case 'TcpConnectionConfirmed':
      return to(s, 'OpenSent', 'connected', openSentEntry(cfg));
    case 'TcpConnectionFails': {
      const next = { ...s, retries: s.retries + 1 };
      return to(next, 'Active', `connection failed: ${ev.reason}`, [
        { type: 'drop-connection' },
        { type: 'start-timer', timer: 'connectRetry', ms: backoffMs(cfg, next.retries) },
      ]);
    }
    case 'ConnectRetryTimer_Expires': {
      // The attempt took too long: drop it and try again (RFC 4271 §8.2.2 Connect, Event 9).
      const next = { ...s, retries: s.retries + 1 };
      return to(next, 'Connect', 'connect timed out, retrying', [
        { type: 'drop-connection' },
        { type: 'connect' },
        { type: 'start-timer', timer: 'connectRetry', ms: backoffMs(cfg, next.retries) },
      ]);
    }
    default:
      return sessionEnds(cfg, s, `unexpected ${ev.type} in Connect`);
  }
}

function active(cfg: FsmConfig, s: FsmSnapshot, ev: FsmEvent): Transition {
  switch (ev.type) {
    case 'ManualStop':
      return manualStop(s, ev);
    case 'ConnectRetryTimer_Expires':
      if (cfg.neighbor.mode === 'passive') return to(s, 'Active', 'passive: waiting for the peer');
      return to(s, 'Connect', `retrying (attempt ${s.retries + 1})`, [
        { type: 'connect' },
        { type: 'start-timer', timer: 'connectRetry', ms: backoffMs(cfg, s.retries) },
      ]);
    case 'TcpConnectionConfirmed':
      return to(s, 'OpenSent', 'peer connected', openSentEntry(cfg));
    case 'TcpConnectionFails':
      return to(s, 'Active', `connection failed: ${ev.reason}`);
    default:
      return sessionEnds(cfg, s, `unexpected ${ev.type} in Active`);
  }
}

function openSent(cfg: FsmConfig, s: FsmSnapshot, ev: FsmEvent): Transition {
  const common = connectedCommon(cfg, s, ev);
  if (common) return common;
  if (ev.type === 'ConnectionReplaced') return replaced(cfg, s, ev.openSent);
  if (ev.type !== 'BGPOpen') return unexpected(cfg, s, ev);
  const result = checkOpen(ev.open, cfg.neighbor);
  if (isRefusal(result)) {
    return sessionEnds(cfg, s, `OPEN refused: ${result.reason}`, [
      notification(result.code, result.subcode, result.data),
    ]);
  }
  // RFC 4271 §8.2.2 OpenSent, Event 19: KEEPALIVE, then the negotiated timers.
  const actions: FsmAction[] = [{ type: 'send-keepalive' }, ...timersFor(cfg, result)];
  const reason = `OPEN from AS${result.peerAs} ${result.peerRouterId} accepted (hold ${result.holdTimeSec}s)`;
  return { next: { ...s, state: 'OpenConfirm', negotiated: result }, actions, reason };
}

function timersFor(cfg: FsmConfig, n: Negotiated): FsmAction[] {
  // RFC 4271 §4.2: a zero hold time means neither hold timer nor keepalives. The wait for
  // the KEEPALIVE that confirms our OPEN stays bounded all the same, else a peer could
  // hold the neighbor in OpenConfirm for ever.
  if (n.holdTimeSec === 0)
    return [
      { type: 'start-timer', timer: 'hold', ms: openWaitMs(cfg) },
      { type: 'stop-timer', timer: 'keepalive' },
    ];
  return [
    { type: 'start-timer', timer: 'hold', ms: n.holdTimeSec * 1000 },
    { type: 'start-timer', timer: 'keepalive', ms: n.keepaliveSec * 1000 },
  ];
}

function restartHold(s: FsmSnapshot): FsmAction[] {
  const hold = s.negotiated?.holdTimeSec ?? 0;
  return [
    hold > 0
      ? { type: 'start-timer', timer: 'hold', ms: hold * 1000 }
      : { type: 'stop-timer', timer: 'hold' },
  ];
}

function keepaliveTick(s: FsmSnapshot): Transition {
  const ka = s.negotiated?.keepaliveSec ?? 0;
  const actions: FsmAction[] = [{ type: 'send-keepalive' }];
  if (ka > 0) actions.push({ type: 'start-timer', timer: 'keepalive', ms: ka * 1000 });
  return to(s, s.state, 'keepalive sent', actions);
}

function openConfirm(cfg: FsmConfig, s: FsmSnapshot, ev: FsmEvent): Transition {
  const common = connectedCommon(cfg, s, ev);
  if (common) return common;
  switch (ev.type) {
    case 'ConnectionReplaced':
      return replaced(cfg, s, ev.openSent);
    case 'KeepAliveMsg':
      return {
        next: { ...s, state: 'Established', retries: 0 },
        actions: restartHold(s),
        reason: 'session up',
      };
    case 'KeepaliveTimer_Expires':
      return keepaliveTick(s);
    default:
      return unexpected(cfg, s, ev);
  }
}

function established(cfg: FsmConfig, s: FsmSnapshot, ev: FsmEvent): Transition {
  const common = connectedCommon(cfg, s, ev);
  if (common) return common;
  switch (ev.type) {
    case 'KeepAliveMsg':
      return to(s, 'Established', 'keepalive received', restartHold(s));
    case 'UpdateMsg':
      return to(s, 'Established', 'update received', [
        ...restartHold(s),
        { type: 'deliver-update', update: ev.update },
      ]);
    case 'RouteRefreshMsg':
      return to(s, 'Established', 'route refresh requested', [
        ...restartHold(s),
        { type: 'route-refresh', afi: ev.afi, safi: ev.safi },
      ]);
    case 'KeepaliveTimer_Expires':
      return keepaliveTick(s);
    case 'MaxPrefixExceeded':
      return maxPrefixExceeded(ev);
    default:
      return unexpected(cfg, s, ev);
  }
}

const byState: Record<State, (cfg: FsmConfig, s: FsmSnapshot, ev: FsmEvent) => Transition> = {
  Idle: idle,
  Connect: connect,
  Active: active,
  OpenSent: openSent,
  OpenConfirm: openConfirm,
  Established: established,
};

export function step(cfg: FsmConfig, s: FsmSnapshot, ev: FsmEvent): Transition {
  // RFC 4271 §8.2.2: a start while already started is ignored in every state; a stale
  // IdleHoldTimer (Event 13) only means something in Idle.
  if (s.state !== 'Idle' && (ev.type === 'ManualStart' || ev.type === 'IdleHoldTimer_Expires')) {
    return to(s, s.state, `ignored ${ev.type} in ${s.state}`);
  }
  // Raised by the speaker from counts it reads; stale by the time it is handled unless Established.
  if (ev.type === 'MaxPrefixExceeded' && s.state !== 'Established') {
    return to(s, s.state, `ignored ${ev.type} in ${s.state}`);
  }
  // Only a connection that has not reached Established can lose a collision (RFC 4271 §6.8).
  if (ev.type === 'ConnectionReplaced' && s.state !== 'OpenSent' && s.state !== 'OpenConfirm') {
    return to(s, s.state, `ignored ${ev.type} in ${s.state}`);
  }
  return byState[s.state](cfg, s, ev);
}

export const initialSnapshot: FsmSnapshot = { state: 'Idle', retries: 0, negotiated: undefined };

/** Holds the current snapshot; `handle` is `step` plus remembering the result. */
export class Fsm {
  private snapshot: FsmSnapshot = initialSnapshot;

  constructor(readonly config: FsmConfig) {}

  get state(): State {
    return this.snapshot.state;
  }
  get negotiated(): Negotiated | undefined {
    return this.snapshot.negotiated;
  }
  get retries(): number {
    return this.snapshot.retries;
  }

  handle(ev: FsmEvent): Transition & { from: State } {
    const from = this.snapshot.state;
    const t = step(this.config, this.snapshot, ev);
    this.snapshot = t.next;
    return { ...t, from };
  }
}
