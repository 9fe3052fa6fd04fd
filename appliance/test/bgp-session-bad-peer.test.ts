// A peer that sends garbage, a bad marker, a bad length, a bad OPEN or the wrong AS gets the
// RFC 4271 §6 NOTIFICATION and a closed connection; the speaker keeps accepting the next one.
import { eventually } from '@ferry/harness';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Announcer } from '../src/bgp/announce/announce.js';
import { encodeMessage } from '../src/bgp/codec/codec.js';
import type { BgpMessage } from '../src/bgp/codec/types.js';
import type { NeighborConfig } from '../src/bgp/session/neighbors.js';
import { BgpSpeaker } from '../src/bgp/session/speaker.js';
import { finishHandshake, openFrom, RawPeer } from './support/bgp-raw-peer.js';
import { passiveNeighbor } from './support/neighbor.js';

const logger = pino({ level: process.env.FERRY_TEST_LOG ?? 'silent' });
const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (stops.length > 0) await stops.pop()!();
});

const neighbor: NeighborConfig = passiveNeighbor();

async function startSpeaker(neighbors = [neighbor]) {
  const downs: string[] = [];
  const speaker = new BgpSpeaker({
    neighbors,
    listen: { host: '127.0.0.1', port: 0 },
    logger,
    onPeerDown: (_p, reason) => downs.push(reason),
  });
  await speaker.start();
  stops.push(() => speaker.stop());
  return { speaker, downs, port: speaker.listenAddress!.port };
}

async function rawPeer(port: number): Promise<RawPeer> {
  const peer = await RawPeer.connect(port);
  stops.push(() => peer.close());
  return peer;
}

/** Reads messages until a NOTIFICATION (the speaker's OPEN comes first). */
async function notificationFrom(peer: RawPeer): Promise<BgpMessage & { type: 3 }> {
  for (let i = 0; i < 5; i++) {
    const m = await peer.next();
    if (m.type === 3) return m;
  }
  throw new Error('no NOTIFICATION');
}

const marker = Buffer.alloc(16, 0xff);
function header(length: number, type: number): Buffer {
  const b = Buffer.alloc(19);
  marker.copy(b);
  b.writeUInt16BE(length, 16);
  b[18] = type;
  return b;
}

const cases: [string, (peer: RawPeer) => void, number, number][] = [
  ['garbage bytes', (p) => p.send(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')), 1, 1],
  ['a bad marker', (p) => p.send(Buffer.concat([Buffer.alloc(16, 0xfe), Buffer.from([0, 19, 4])])), 1, 1],
  ['a length over 4096', (p) => p.send(header(5000, 4)), 1, 2],
  ['a KEEPALIVE of 20 octets', (p) => p.send(Buffer.concat([header(20, 4), Buffer.alloc(1)])), 1, 2],
  ['an unknown message type', (p) => p.send(header(19, 9)), 1, 3],
  ['an OPEN with version 3', (p) => p.sendMessage(openFrom(65001, { version: 3 })), 2, 1],
  ['an OPEN from the wrong peer AS', (p) => p.sendMessage(openFrom(65099)), 2, 2],
  ['an OPEN with our router id', (p) => p.sendMessage(openFrom(65001, { routerId: '10.0.0.1' })), 2, 3],
  ['an UPDATE before the OPEN', (p) => p.send(Buffer.concat([header(23, 2), Buffer.alloc(4)])), 5, 1],
];

describe('bgp session: bad peers', () => {
  it('each bad input gets its NOTIFICATION, the connection closes, and the next connection is accepted', async () => {
    const { speaker, port } = await startSpeaker();
    for (const [name, misbehave, code, subcode] of cases) {
      const peer = await rawPeer(port);
      misbehave(peer);
      const n = await notificationFrom(peer);
      expect({ name, code: n.code, subcode: n.subcode }).toEqual({ name, code, subcode });
      expect(await peer.waitClosed()).toBe(true);
      await eventually(() => speaker.status()[0]!.state === 'Active', {
        what: `Active again after ${name}`,
        timeoutMs: 5000,
        intervalMs: 10,
      });
    }
    expect(speaker.status()[0]!.lastError).toContain('NOTIFICATION');
    // After all that, a well-behaved peer still establishes.
    const announcer = new Announcer({
      connect: { host: '127.0.0.1', port },
      localAs: 65001,
      peerAs: 65000,
      logger,
    });
    stops.push(() => announcer.stop());
    await announcer.start();
    await eventually(() => speaker.status()[0]!.state === 'Established', {
      what: 'established',
      timeoutMs: 5000,
      intervalMs: 10,
    });
  });

  it('a message split across many writes is framed correctly, and a bad UPDATE resets an established session', async () => {
    const { speaker, downs, port } = await startSpeaker();
    const peer = await rawPeer(port);
    const open = encodeMessage(openFrom(65001), { fourOctetAs: true });
    for (const byte of open) peer.send(Buffer.of(byte));
    await finishHandshake(peer, speaker);
    // Withdrawn Routes Length pointing past the end of the message: RFC 4271 §6.3 Malformed Attribute List.
    peer.send(Buffer.concat([header(23, 2), Buffer.from([0, 200, 0, 0])]));
    const n = await notificationFrom(peer);
    expect(n.code).toBe(3);
    expect(await peer.waitClosed()).toBe(true);
    await eventually(() => downs.length === 1, { what: 'peer down', timeoutMs: 5000, intervalMs: 10 });
  });

  it('a connection from an address with no neighbor gets Cease / Connection Rejected', async () => {
    const { speaker, port } = await startSpeaker([{ ...neighbor, address: '127.0.0.2' }]);
    const peer = await rawPeer(port);
    const n = await notificationFrom(peer);
    expect([n.code, n.subcode]).toEqual([6, 5]);
    expect(await peer.waitClosed()).toBe(true);
    expect(speaker.status()[0]!.state).toBe('Active');
  });

  it('a second connection while the first is in OpenConfirm replaces it (RFC 4271 §6.8): 6/7 on the first', async () => {
    const { speaker, port } = await startSpeaker();
    const first = await rawPeer(port);
    first.sendMessage(openFrom(65001));
    await eventually(() => speaker.status()[0]!.state === 'OpenConfirm', {
      what: 'OpenConfirm',
      timeoutMs: 5000,
      intervalMs: 10,
    });
    const second = await rawPeer(port);
    const n = await notificationFrom(first);
    expect([n.code, n.subcode]).toEqual([6, 7]);
    second.sendMessage(openFrom(65001));
    await finishHandshake(second, speaker, 'second session established');
  });
});
