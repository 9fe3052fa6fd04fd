// Connection collisions (RFC 4271 §6.8) as a table, the FSM's ConnectionReplaced and OPEN
// wait on a fake clock, and the refusal log limiter. No sockets.
import { describe, expect, it } from 'vitest';
import {
  type CollisionInput,
  compareOnOpen,
  resolveCollision,
  routerIdValue,
} from '../src/bgp/session/collision.js';
import { Fsm } from '../src/bgp/session/fsm.js';
import type { FsmAction, FsmEvent } from '../src/bgp/session/fsm-types.js';
import { LogLimiter } from '../src/bgp/session/log-limit.js';
import type { NeighborConfig } from '../src/bgp/session/neighbors.js';
import { expiryEvent, TimerSet } from '../src/bgp/session/timers.js';
import { FakeClock } from './support/fake-clock.js';
import { passiveNeighbor } from './support/neighbor.js';

const LOCAL = '10.0.0.5';

describe('bgp collision: resolveCollision', () => {
  const cases: [string, Omit<CollisionInput, 'localRouterId'>, string, number?][] = [
    ['Idle refuses (stopped or damping)', { state: 'Idle' }, 'refuse', 5],
    ['Active takes the connection', { state: 'Active' }, 'accept'],
    ['Connect (our TCP attempt pending) takes it', { state: 'Connect', initiator: 'local' }, 'accept'],
    [
      'OpenSent, peer-initiated, no OPEN yet: replaced',
      { state: 'OpenSent', initiator: 'remote' },
      'replace',
    ],
    [
      'OpenConfirm, peer-initiated: replaced, whatever the Identifiers',
      { state: 'OpenConfirm', initiator: 'remote', peerRouterId: '10.0.0.1' },
      'replace',
    ],
    [
      'OpenConfirm, peer-initiated, peer Identifier higher: replaced',
      { state: 'OpenConfirm', initiator: 'remote', peerRouterId: '10.0.0.9' },
      'replace',
    ],
    [
      'OpenSent, ours, peer Identifier unknown: the new one is held until an OPEN decides',
      { state: 'OpenSent', initiator: 'local' },
      'hold',
    ],
    [
      'OpenConfirm, ours, our Identifier higher: ours stays, 6/7',
      { state: 'OpenConfirm', initiator: 'local', peerRouterId: '10.0.0.1' },
      'refuse',
      7,
    ],
    [
      'OpenConfirm, ours, peer Identifier higher: the peer connection wins',
      { state: 'OpenConfirm', initiator: 'local', peerRouterId: '10.0.0.9' },
      'replace',
    ],
    [
      'Identifiers compare as unsigned 32-bit numbers, not strings',
      { state: 'OpenConfirm', initiator: 'local', peerRouterId: '9.255.255.255' },
      'refuse',
      7,
    ],
    ['Established keeps its session: 6/7', { state: 'Established', initiator: 'remote' }, 'refuse', 7],
    ['Established ours too: 6/7', { state: 'Established', initiator: 'local' }, 'refuse', 7],
  ];
  for (const [name, input, action, subcode] of cases) {
    it(name, () => {
      const d = resolveCollision({ ...input, localRouterId: LOCAL });
      expect(d.action).toBe(action);
      if (d.action === 'refuse') expect(d.subcode).toBe(subcode);
      expect(d.reason.length).toBeGreaterThan(0);
    });
  }

  it('compareOnOpen: the higher Identifier keeps the connection it opened', () => {
    expect(compareOnOpen(LOCAL, '10.0.0.1')).toBe('keep-ours');
    expect(compareOnOpen(LOCAL, '10.0.0.9')).toBe('take-new');
    expect(compareOnOpen(LOCAL, '9.255.255.255')).toBe('keep-ours');
  });

  it('routerIdValue: big-endian dotted quad as an unsigned integer', () => {
    expect(routerIdValue('0.0.0.1')).toBe(1);
    expect(routerIdValue('255.255.255.255')).toBe(0xffffffff);
    expect(routerIdValue('10.0.0.5') > routerIdValue('9.255.255.255')).toBe(true);
  });
});

const neighbor: NeighborConfig = passiveNeighbor({ routerId: LOCAL });

function harness(over: Partial<NeighborConfig> = {}) {
  const clock = new FakeClock();
  const fsm = new Fsm({ neighbor: { ...neighbor, ...over }, random: () => 0.5 });
  const log: FsmAction[] = [];
  const timers: TimerSet = new TimerSet(clock, (name) => send({ type: expiryEvent[name] }));
  function send(ev: FsmEvent) {
    const t = fsm.handle(ev);
    for (const a of t.actions) {
      if (a.type === 'start-timer') timers.start(a.timer, a.ms);
      else if (a.type === 'stop-timer') timers.stop(a.timer);
      else log.push(a);
    }
    return t;
  }
  return { clock, fsm, log, timers, send };
}

const open = {
  type: 1 as const,
  version: 4,
  myAs: 65001,
  holdTimeSec: 90,
  routerId: '10.0.0.9',
  capabilities: [],
};

describe('bgp collision: the FSM', () => {
  it('a silent connection: hold timer = OPEN wait (default 10 s), then 4/0 and back to Active', () => {
    const h = harness();
    h.send({ type: 'ManualStart' });
    h.send({ type: 'TcpConnectionConfirmed' });
    expect(h.timers.remaining('hold')).toBe(10_000);
    h.clock.advance(9_999);
    expect(h.fsm.state).toBe('OpenSent');
    h.clock.advance(1);
    expect(h.fsm.state).toBe('Active');
    expect(h.log).toContainEqual(expect.objectContaining({ type: 'send-notification', code: 4, subcode: 0 }));
  });

  it('openWaitSec overrides the OPEN wait', () => {
    const h = harness({ openWaitSec: 2 });
    h.send({ type: 'ManualStart' });
    h.send({ type: 'TcpConnectionConfirmed' });
    expect(h.timers.remaining('hold')).toBe(2_000);
  });

  it('hold time 0: OpenConfirm still waits for the KEEPALIVE no longer than the OPEN wait', () => {
    const h = harness({ holdTimeSec: 0 });
    h.send({ type: 'ManualStart' });
    h.send({ type: 'TcpConnectionConfirmed' });
    expect(h.send({ type: 'BGPOpen', open }).next.state).toBe('OpenConfirm');
    expect(h.timers.remaining('hold')).toBe(10_000);
    h.clock.advance(10_000);
    expect(h.fsm.state).toBe('Active');
  });

  it('ConnectionReplaced in OpenSent and OpenConfirm: 6/7 on the old, adopt, OPEN on the new', () => {
    for (const withOpen of [false, true]) {
      const h = harness();
      h.send({ type: 'ManualStart' });
      h.send({ type: 'TcpConnectionConfirmed' });
      if (withOpen) h.send({ type: 'BGPOpen', open });
      h.log.length = 0;
      const t = h.send({ type: 'ConnectionReplaced' });
      expect(t.next.state).toBe('OpenSent');
      expect(t.next.negotiated).toBeUndefined();
      expect(h.log.map((a) => a.type)).toEqual([
        'send-notification',
        'drop-connection',
        'adopt-connection',
        'send-open',
      ]);
      expect(h.log[0]).toMatchObject({ code: 6, subcode: 7 });
      expect(h.timers.remaining('hold')).toBe(10_000);
      expect(h.timers.remaining('keepalive')).toBeUndefined();
    }
  });

  it('ConnectionReplaced of a held connection (our OPEN already on it): no second OPEN', () => {
    const h = harness();
    h.send({ type: 'ManualStart' });
    h.send({ type: 'TcpConnectionConfirmed' });
    h.log.length = 0;
    h.send({ type: 'ConnectionReplaced', openSent: true });
    expect(h.fsm.state).toBe('OpenSent');
    expect(h.log.map((a) => a.type)).toEqual(['send-notification', 'drop-connection', 'adopt-connection']);
    expect(h.timers.remaining('hold')).toBe(10_000);
    expect(h.send({ type: 'BGPOpen', open }).next.state).toBe('OpenConfirm');
  });

  it('ConnectionReplaced is ignored where no connection can lose (Established, Active, Idle)', () => {
    const h = harness();
    expect(h.send({ type: 'ConnectionReplaced' }).next.state).toBe('Idle');
    h.send({ type: 'ManualStart' });
    expect(h.send({ type: 'ConnectionReplaced' }).next.state).toBe('Active');
    h.send({ type: 'TcpConnectionConfirmed' });
    h.send({ type: 'BGPOpen', open });
    h.send({ type: 'KeepAliveMsg' });
    h.log.length = 0;
    expect(h.send({ type: 'ConnectionReplaced' }).next.state).toBe('Established');
    expect(h.log).toEqual([]);
  });
});

describe('bgp refusal log limiter', () => {
  it('one line per key per window, with the count of lines dropped before it', () => {
    let now = 0;
    const l = new LogLimiter(10_000, () => now);
    expect(l.take('unknown-address')).toBe(0);
    expect(l.take('unknown-address')).toBeUndefined();
    expect(l.take('collision')).toBe(0);
    now = 5_000;
    expect(l.take('unknown-address')).toBeUndefined();
    now = 10_000;
    expect(l.take('unknown-address')).toBe(2);
    expect(l.take('unknown-address')).toBeUndefined();
  });
});
