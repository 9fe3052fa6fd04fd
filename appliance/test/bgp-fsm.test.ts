// RFC 4271 §8 state machine on a fake clock: transitions, timers, OPEN checks, backoff.
import { describe, expect, it } from 'vitest';
import { BgpError, type OpenMessage } from '../src/bgp/codec/types.js';
import { Fsm } from '../src/bgp/session/fsm.js';
import {
  backoffMs,
  type FsmAction,
  type FsmConfig,
  type FsmEvent,
  OPEN_HOLD_MS,
} from '../src/bgp/session/fsm-types.js';
import { localOpen } from '../src/bgp/session/negotiate.js';
import type { NeighborConfig } from '../src/bgp/session/neighbors.js';
import { expiryEvent, TimerSet } from '../src/bgp/session/timers.js';
import { FakeClock } from './support/fake-clock.js';

const neighbor: NeighborConfig = {
  address: '127.0.0.1',
  port: 1179,
  peerAs: 65001,
  localAs: 65000,
  routerId: '10.0.0.1',
  mode: 'active',
  holdTimeSec: 90,
  connectRetrySec: 2,
};

function peerOpen(over: Partial<OpenMessage> = {}): OpenMessage {
  return {
    type: 1,
    version: 4,
    myAs: 65001,
    holdTimeSec: 30,
    routerId: '10.0.0.2',
    capabilities: [{ kind: 'four-octet-as', asn: 65001 }],
    ...over,
  };
}

/** The FSM driven by a TimerSet on a fake clock, recording every non-timer action. */
function harness(over: Partial<NeighborConfig> = {}, cfg: Partial<FsmConfig> = {}) {
  const clock = new FakeClock();
  const fsm = new Fsm({ neighbor: { ...neighbor, ...over }, random: () => 0.5, ...cfg });
  const log: FsmAction[] = [];
  const reasons: string[] = [];
  const timers: TimerSet = new TimerSet(clock, (name) => send({ type: expiryEvent[name] }));
  function send(ev: FsmEvent) {
    const t = fsm.handle(ev);
    reasons.push(t.reason);
    for (const a of t.actions) {
      if (a.type === 'start-timer') timers.start(a.timer, a.ms);
      else if (a.type === 'stop-timer') timers.stop(a.timer);
      else log.push(a);
    }
    return t;
  }
  const types = () => log.map((a) => a.type);
  return { clock, fsm, log, reasons, timers, send, types };
}

function establish(h: ReturnType<typeof harness>, open = peerOpen()) {
  h.send({ type: 'ManualStart' });
  h.send({ type: 'TcpConnectionConfirmed' });
  h.send({ type: 'BGPOpen', open });
  h.send({ type: 'KeepAliveMsg' });
  h.log.length = 0;
}

describe('bgp fsm: reaching Established', () => {
  it('active: Idle → Connect → OpenSent → OpenConfirm → Established with negotiated timers', () => {
    const h = harness();
    expect(h.send({ type: 'ManualStart' }).next.state).toBe('Connect');
    expect(h.types()).toEqual(['connect']);
    expect(h.timers.remaining('connectRetry')).toBeGreaterThan(0);
    expect(h.send({ type: 'TcpConnectionConfirmed' }).next.state).toBe('OpenSent');
    expect(h.timers.remaining('connectRetry')).toBeUndefined();
    expect(h.timers.remaining('hold')).toBe(OPEN_HOLD_MS);
    const t = h.send({ type: 'BGPOpen', open: peerOpen() });
    expect(t.next.state).toBe('OpenConfirm');
    // hold = min(90, 30), keepalive = hold / 3
    expect(t.next.negotiated).toMatchObject({
      holdTimeSec: 30,
      keepaliveSec: 10,
      peerAs: 65001,
      fourOctetAs: true,
    });
    expect(h.timers.remaining('hold')).toBe(30_000);
    expect(h.timers.remaining('keepalive')).toBe(10_000);
    expect(h.send({ type: 'KeepAliveMsg' }).next.state).toBe('Established');
    expect(h.types()).toEqual(['connect', 'send-open', 'send-keepalive']);
  });

  it('passive: ManualStart waits in Active and never connects', () => {
    const h = harness({ mode: 'passive' });
    expect(h.send({ type: 'ManualStart' }).next.state).toBe('Active');
    expect(h.send({ type: 'ConnectRetryTimer_Expires' }).next.state).toBe('Active');
    expect(h.types()).toEqual([]);
    expect(h.send({ type: 'TcpConnectionConfirmed' }).next.state).toBe('OpenSent');
    expect(h.types()).toEqual(['send-open']);
  });

  it('hold time 0 from the peer means no hold timer and no keepalives', () => {
    const h = harness();
    establish(h, peerOpen({ holdTimeSec: 0 }));
    expect(h.fsm.state).toBe('Established');
    expect(h.timers.remaining('hold')).toBeUndefined();
    expect(h.timers.remaining('keepalive')).toBeUndefined();
    h.clock.advance(3_600_000);
    expect(h.fsm.state).toBe('Established');
    expect(h.types()).toEqual([]);
  });

  it('a 2-octet peer is identified by the My AS field', () => {
    const h = harness();
    establish(h, peerOpen({ capabilities: [] }));
    expect(h.fsm.negotiated).toMatchObject({
      peerAs: 65001,
      fourOctetAs: false,
      families: [{ afi: 1, safi: 1 }],
    });
  });
});

describe('bgp fsm: timers in Established', () => {
  it('sends a KEEPALIVE every keepalive interval and keeps the session while keepalives arrive', () => {
    const h = harness();
    establish(h);
    for (let i = 0; i < 5; i++) {
      h.clock.advance(10_000);
      h.send({ type: 'KeepAliveMsg' });
    }
    expect(h.fsm.state).toBe('Established');
    expect(h.types().filter((t) => t === 'send-keepalive')).toHaveLength(5);
  });

  it('hold timer expiry sends NOTIFICATION 4/0, drops the connection, releases routes, goes Idle', () => {
    const h = harness();
    establish(h);
    h.clock.advance(29_999);
    expect(h.fsm.state).toBe('Established');
    h.clock.advance(1);
    expect(h.fsm.state).toBe('Idle');
    expect(h.log).toContainEqual({ type: 'send-notification', code: 4, subcode: 0, data: new Uint8Array(0) });
    expect(h.types().slice(-3)).toEqual(['send-notification', 'drop-connection', 'release-routes']);
    expect(h.reasons.at(-1)).toBe('hold timer expired');
    // the idle hold timer brings the neighbor back to Connect after the backoff
    expect(h.timers.remaining('idleHold')).toBe(backoffMs(h.fsm.config, 1));
    h.clock.advance(h.timers.remaining('idleHold')!);
    expect(h.fsm.state).toBe('Connect');
  });

  it('UPDATE restarts the hold timer and is delivered', () => {
    const h = harness();
    establish(h);
    h.clock.advance(20_000);
    const update = { type: 2 as const, withdrawn: [], attributes: {}, announced: [] };
    h.send({ type: 'UpdateMsg', update });
    expect(h.log).toContainEqual({ type: 'deliver-update', update });
    expect(h.timers.remaining('hold')).toBe(30_000);
  });
});

describe('bgp fsm: OPEN checks (RFC 4271 §6.2)', () => {
  const cases: [string, Partial<OpenMessage>, number, number][] = [
    ['wrong peer AS', { myAs: 65099, capabilities: [] }, 2, 2],
    [
      'wrong peer AS in the 4-octet capability',
      { capabilities: [{ kind: 'four-octet-as', asn: 4200000000 }] },
      2,
      2,
    ],
    ['router id equal to ours', { routerId: '10.0.0.1' }, 2, 3],
    ['router id zero', { routerId: '0.0.0.0' }, 2, 3],
    ['version 3', { version: 3 }, 2, 1],
    ['hold time 2', { holdTimeSec: 2 }, 2, 6],
  ];
  for (const [name, over, code, subcode] of cases) {
    it(`${name} → NOTIFICATION ${code}/${subcode}, Idle`, () => {
      const h = harness();
      h.send({ type: 'ManualStart' });
      h.send({ type: 'TcpConnectionConfirmed' });
      const t = h.send({ type: 'BGPOpen', open: peerOpen(over) });
      expect(t.next.state).toBe('Idle');
      expect(h.log).toContainEqual(expect.objectContaining({ type: 'send-notification', code, subcode }));
      expect(h.types()).not.toContain('release-routes');
    });
  }

  it('unsupported version carries the version we speak as data', () => {
    const h = harness();
    h.send({ type: 'ManualStart' });
    h.send({ type: 'TcpConnectionConfirmed' });
    h.send({ type: 'BGPOpen', open: peerOpen({ version: 3 }) });
    expect(h.log).toContainEqual({
      type: 'send-notification',
      code: 2,
      subcode: 1,
      data: Uint8Array.of(0, 4),
    });
  });
});

describe('bgp fsm: errors and stops', () => {
  it('a decode error sends its NOTIFICATION and ends the session', () => {
    const h = harness();
    establish(h);
    h.send({ type: 'DecodeError', error: new BgpError(1, 1, 'marker is not all ones') });
    expect(h.fsm.state).toBe('Idle');
    expect(h.log[0]).toMatchObject({ type: 'send-notification', code: 1, subcode: 1 });
    expect(h.types()).toContain('release-routes');
  });

  it('UPDATE in OpenConfirm is an FSM error 5/2 (RFC 6608)', () => {
    const h = harness();
    h.send({ type: 'ManualStart' });
    h.send({ type: 'TcpConnectionConfirmed' });
    h.send({ type: 'BGPOpen', open: peerOpen() });
    h.send({ type: 'UpdateMsg', update: { type: 2, withdrawn: [], attributes: {}, announced: [] } });
    expect(h.fsm.state).toBe('Idle');
    expect(h.log).toContainEqual(expect.objectContaining({ type: 'send-notification', code: 5, subcode: 2 }));
  });

  it('peer NOTIFICATION ends the session without answering', () => {
    const h = harness();
    establish(h);
    h.send({ type: 'NotifMsg', notification: { type: 3, code: 6, subcode: 2, data: new Uint8Array(0) } });
    expect(h.fsm.state).toBe('Idle');
    expect(h.types()).toEqual(['drop-connection', 'release-routes']);
    expect(h.reasons.at(-1)).toContain('6/2 (Cease)');
  });

  it('ManualStop in Established sends Cease 6/2 and stays Idle with no timers', () => {
    const h = harness();
    establish(h);
    h.send({ type: 'ManualStop' });
    expect(h.fsm.state).toBe('Idle');
    expect(h.log[0]).toMatchObject({ type: 'send-notification', code: 6, subcode: 2 });
    expect(h.clock.pendingCount).toBe(0);
    h.clock.advance(600_000);
    expect(h.fsm.state).toBe('Idle');
  });

  it('passive neighbors go back to Active after a failure, ready for the next connection', () => {
    const h = harness({ mode: 'passive' });
    establish(h);
    h.send({ type: 'TcpConnectionFails', reason: 'ECONNRESET' });
    expect(h.fsm.state).toBe('Active');
    expect(h.types()).toEqual(['drop-connection', 'release-routes']);
    expect(h.clock.pendingCount).toBe(0);
  });

  it('ManualStart while already started is ignored in every state', () => {
    const h = harness();
    h.send({ type: 'ManualStart' });
    expect(h.send({ type: 'ManualStart' }).next.state).toBe('Connect');
    h.send({ type: 'TcpConnectionConfirmed' });
    h.send({ type: 'BGPOpen', open: peerOpen() });
    h.send({ type: 'KeepAliveMsg' });
    h.log.length = 0;
    expect(h.send({ type: 'ManualStart' }).next.state).toBe('Established');
    expect(h.log).toEqual([]);
  });

  it('Idle ignores messages and timers', () => {
    const h = harness();
    expect(h.send({ type: 'KeepAliveMsg' }).next.state).toBe('Idle');
    expect(h.send({ type: 'HoldTimer_Expires' }).next.state).toBe('Idle');
    expect(h.log).toEqual([]);
  });
});

describe('bgp fsm: connect-retry backoff', () => {
  it('doubles per failure with jitter in [0.75, 1) and caps at 60 s', () => {
    const cfg = (r: number): FsmConfig => ({ neighbor, random: () => r });
    expect(backoffMs(cfg(0), 1)).toBe(1500);
    expect(backoffMs(cfg(0), 2)).toBe(3000);
    expect(backoffMs(cfg(0), 3)).toBe(6000);
    expect(backoffMs(cfg(0.999999), 20)).toBeLessThanOrEqual(60_000);
    expect(backoffMs(cfg(0), 20)).toBe(45_000);
    expect(backoffMs({ ...cfg(0), maxBackoffSec: 10 }, 20)).toBe(7500);
  });

  it('failed connects retry on the fake clock with growing delays', () => {
    const h = harness({}, { random: () => 0 });
    h.send({ type: 'ManualStart' });
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      expect(h.send({ type: 'TcpConnectionFails', reason: 'ECONNREFUSED' }).next.state).toBe('Active');
      const d = h.timers.remaining('connectRetry')!;
      delays.push(d);
      h.clock.advance(d);
      expect(h.fsm.state).toBe('Connect');
    }
    expect(delays).toEqual([1500, 3000, 6000, 12_000, 24_000, 45_000, 45_000]);
    expect(h.types().filter((t) => t === 'connect')).toHaveLength(8);
  });

  it('reaching Established resets the backoff', () => {
    const h = harness({}, { random: () => 0 });
    h.send({ type: 'ManualStart' });
    for (let i = 0; i < 3; i++) {
      h.send({ type: 'TcpConnectionFails', reason: 'ECONNREFUSED' });
      h.clock.advance(h.timers.remaining('connectRetry')!);
    }
    h.send({ type: 'TcpConnectionConfirmed' });
    h.send({ type: 'BGPOpen', open: peerOpen() });
    h.send({ type: 'KeepAliveMsg' });
    expect(h.fsm.retries).toBe(0);
    h.send({ type: 'TcpConnectionFails', reason: 'ECONNRESET' });
    expect(h.timers.remaining('idleHold')).toBe(1500);
  });
});

describe('bgp fsm: graceful restart and max-prefix', () => {
  const gr = { restartTimeSec: 120, staleTimeSec: 360 };
  const grOpen = (families: { afi: number; safi: number; forwardingPreserved: boolean }[]) =>
    peerOpen({
      capabilities: [
        { kind: 'four-octet-as', asn: 65001 },
        { kind: 'multiprotocol', afi: 1, safi: 1 },
        { kind: 'graceful-restart', restartState: false, restartTimeSec: 90, families },
      ],
    });
  const release = (h: ReturnType<typeof harness>) => h.log.find((a) => a.type === 'release-routes');

  it('a lost TCP connection with a GR peer releases routes gracefully, with its restart time and families', () => {
    const h = harness({ gracefulRestart: gr });
    establish(h, grOpen([{ afi: 1, safi: 1, forwardingPreserved: false }]));
    expect(h.fsm.negotiated?.gracefulRestart).toEqual({
      restartState: false,
      restartTimeSec: 90,
      families: [{ afi: 1, safi: 1, forwardingPreserved: false }],
    });
    h.send({ type: 'TcpConnectionFails', reason: 'ECONNRESET' });
    expect(release(h)).toMatchObject({ graceful: { restartTimeSec: 90, families: [{ afi: 1, safi: 1 }] } });
  });

  it('NOTIFICATION either way, hold timer expiry and a stop are not graceful (RFC 4724, not 8538)', () => {
    const events: FsmEvent[] = [
      { type: 'NotifMsg', notification: { type: 3, code: 6, subcode: 2, data: new Uint8Array(0) } },
      { type: 'HoldTimer_Expires' },
      { type: 'ManualStop' },
    ];
    for (const ev of events) {
      const h = harness({ gracefulRestart: gr });
      establish(h, grOpen([{ afi: 1, safi: 1, forwardingPreserved: true }]));
      h.send(ev);
      expect(release(h)).toEqual({ type: 'release-routes' });
    }
  });

  it('without GR configured, or a peer listing no family, a lost connection drops routes', () => {
    for (const [over, families] of [
      [{}, [{ afi: 1, safi: 1, forwardingPreserved: true }]],
      [{ gracefulRestart: gr }, []],
    ] as const) {
      const h = harness(over);
      establish(h, grOpen([...families]));
      h.send({ type: 'TcpConnectionFails', reason: 'closed by peer' });
      expect(release(h)).toEqual({ type: 'release-routes' });
    }
  });

  it('our OPEN carries GR with R and F clear for both families', () => {
    const open = localOpen({ ...neighbor, gracefulRestart: gr });
    expect(open.capabilities).toContainEqual({
      kind: 'graceful-restart',
      restartState: false,
      restartTimeSec: 120,
      families: [
        { afi: 1, safi: 1, forwardingPreserved: false },
        { afi: 2, safi: 1, forwardingPreserved: false },
      ],
    });
    expect(localOpen(neighbor).capabilities.some((c) => c.kind === 'graceful-restart')).toBe(false);
  });

  it('MaxPrefixExceeded: Cease 6/1 with AFI, SAFI and the bound, routes dropped, Idle for the hold-down', () => {
    const h = harness({ mode: 'passive' });
    establish(h);
    h.send({ type: 'MaxPrefixExceeded', afi: 2, safi: 1, limit: 70_000, holdDownSec: 60 });
    expect(h.fsm.state).toBe('Idle');
    expect(h.types()).toEqual(['send-notification', 'drop-connection', 'release-routes']);
    expect(h.log[0]).toEqual({
      type: 'send-notification',
      code: 6,
      subcode: 1,
      data: Uint8Array.of(0, 2, 1, 0, 1, 0x11, 0x70),
    });
    expect(h.timers.remaining('idleHold')).toBe(60_000);
    // Even a passive neighbor stays Idle (refusing connections) until the hold-down ends.
    h.clock.advance(59_999);
    expect(h.fsm.state).toBe('Idle');
    h.clock.advance(1);
    expect(h.fsm.state).toBe('Active');
  });

  it('MaxPrefixExceeded outside Established is ignored', () => {
    const h = harness();
    h.send({ type: 'ManualStart' });
    expect(h.send({ type: 'MaxPrefixExceeded', afi: 1, safi: 1, limit: 1, holdDownSec: 1 }).next.state).toBe(
      'Connect',
    );
  });
});
