// Sessions over loopback: an Announcer (active) and a BgpSpeaker (passive) establish,
// routes with communities arrive, withdrawals arrive, and a stopped peer fires onPeerDown.
import { eventually } from '@ferry/harness';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Announcer } from '../src/bgp/announce/announce.js';
import { parsePrefix, prefixToString } from '../src/bgp/codec/codec.js';
import type { UpdateMessage } from '../src/bgp/codec/types.js';
import type { NeighborConfig } from '../src/bgp/session/neighbors.js';
import { BgpSpeaker } from '../src/bgp/session/speaker.js';
import { finishHandshake, openFrom, RawPeer } from './support/bgp-raw-peer.js';
import { passiveNeighbor } from './support/neighbor.js';

const logger = pino({ level: process.env.FERRY_TEST_LOG ?? 'silent' });
const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (stops.length > 0) await stops.pop()!();
});

function passive(over: Partial<NeighborConfig> = {}): NeighborConfig {
  return passiveNeighbor({ address: '*', ...over });
}

async function startSpeaker(neighbors: NeighborConfig[]) {
  const updates: { peer: string; update: UpdateMessage }[] = [];
  const downs: { peer: string; reason: string }[] = [];
  const speaker = new BgpSpeaker({
    neighbors,
    listen: { host: '127.0.0.1', port: 0 },
    logger,
    onUpdate: (peer, update) => updates.push({ peer, update }),
    onPeerDown: (peer, reason) => downs.push({ peer, reason }),
  });
  await speaker.start();
  stops.push(() => speaker.stop());
  return { speaker, updates, downs, port: speaker.listenAddress!.port };
}

function announced(updates: { update: UpdateMessage }[]): string[] {
  return updates.flatMap((u) => u.update.announced.map(prefixToString));
}

describe('bgp session over loopback', () => {
  it('announcer (active) → speaker (passive): IPv4 and IPv6 with communities, withdrawal, peer down', async () => {
    const { speaker, updates, downs, port } = await startSpeaker([passive()]);
    const announcer = new Announcer({
      connect: { host: '127.0.0.1', port },
      localAs: 65001,
      peerAs: 65000,
      communities: [((65000 << 16) | 1) >>> 0],
      largeCommunities: [[65000, 1, 2]],
      holdTimeSec: 30,
      logger,
    });
    stops.push(() => announcer.stop());
    const prefixes = ['10.0.0.0/24', '10.1.0.0/16', '2001:db8::/32', '2001:db8:1::/48'].map(parsePrefix);
    await announcer.announce(prefixes);
    const synced = announcer.synced(10_000);
    await announcer.start();
    await synced;
    await eventually(() => announced(updates).length === 4, {
      what: 'four prefixes',
      timeoutMs: 5000,
      intervalMs: 10,
    });
    expect(announced(updates).sort()).toEqual([
      '10.0.0.0/24',
      '10.1.0.0/16',
      '2001:db8:1::/48',
      '2001:db8::/32',
    ]);
    for (const { peer, update } of updates) {
      expect(peer).toBe('*/AS65001');
      expect(update.attributes.communities).toEqual([((65000 << 16) | 1) >>> 0]);
      expect(update.attributes.largeCommunities).toEqual([[65000, 1, 2]]);
      expect(update.attributes.asPath).toEqual([{ type: 'sequence', asns: [65001] }]);
    }
    const v4 = updates.find((u) => u.update.announced[0]?.afi === 1)!;
    expect(v4.update.attributes.nextHop).toBe('127.0.0.1');
    // over an IPv4 session without --next-hop, IPv6 routes carry the IPv4-mapped address
    const v6 = updates.find((u) => u.update.announced[0]?.afi === 2)!;
    expect(v6.update.attributes.mpNextHop).toEqual(['::ffff:127.0.0.1']);

    const [status] = speaker.status();
    expect(status).toMatchObject({ state: 'Established', address: '127.0.0.1', holdTimeSec: 30 });
    expect(status!.received).toEqual({ updates: updates.length, prefixesV4: 2, prefixesV6: 2 });

    await announcer.withdraw([parsePrefix('10.0.0.0/24'), parsePrefix('2001:db8::/32')]);
    const withdrawn = () => updates.flatMap((u) => u.update.withdrawn.map(prefixToString));
    await eventually(() => withdrawn().length === 2, {
      what: 'withdrawals',
      timeoutMs: 5000,
      intervalMs: 10,
    });
    expect(withdrawn().sort()).toEqual(['10.0.0.0/24', '2001:db8::/32']);

    // announcing more while up goes out at once
    await announcer.announce([parsePrefix('192.0.2.0/24')]);
    await eventually(() => announced(updates).includes('192.0.2.0/24'), {
      what: 'late announcement',
      timeoutMs: 5000,
      intervalMs: 10,
    });

    await announcer.stop();
    await eventually(() => downs.length === 1, { what: 'peer down', timeoutMs: 5000, intervalMs: 10 });
    expect(downs[0]!.peer).toBe('*/AS65001');
    expect(downs[0]!.reason).toContain('6/2 (Cease)');
    await eventually(() => speaker.status()[0]!.state === 'Active', {
      what: 'speaker back in Active',
      timeoutMs: 5000,
      intervalMs: 10,
    });
  });

  it('speaker (active) → announcer (passive, --listen)', async () => {
    const announcer = new Announcer({
      listen: { host: '127.0.0.1', port: 0 },
      localAs: 65001,
      peerAs: 65000,
      nextHops: ['192.0.2.7', '2001:db8::7'],
      logger,
    });
    stops.push(() => announcer.stop());
    await announcer.announce([parsePrefix('198.51.100.0/24'), parsePrefix('2001:db8:7::/48')]);
    await announcer.start();
    const port = announcer.listenAddress!.port;
    const { speaker, updates } = await startSpeaker([
      passive({ address: '127.0.0.1', port, mode: 'active' }),
    ]);
    await eventually(() => announced(updates).length === 2, {
      what: 'prefixes',
      timeoutMs: 5000,
      intervalMs: 10,
    });
    expect(announced(updates)).toEqual(['198.51.100.0/24', '2001:db8:7::/48']);
    expect(updates[0]!.update.attributes.nextHop).toBe('192.0.2.7');
    expect(updates[1]!.update.attributes.mpNextHop).toEqual(['2001:db8::7']);
    expect(speaker.status()[0]).toMatchObject({ peerKey: '127.0.0.1', state: 'Established', mode: 'active' });
  });

  it('an active announcer retries until the speaker appears, then establishes', async () => {
    // Find a free port, then leave it closed for a while.
    const probe = await startSpeaker([passive()]);
    const port = probe.port;
    await probe.speaker.stop();
    stops.pop();
    const announcer = new Announcer({
      connect: { host: '127.0.0.1', port },
      localAs: 65001,
      peerAs: 65000,
      connectRetrySec: 1,
      maxBackoffSec: 2,
      logger,
    });
    stops.push(() => announcer.stop());
    const states: string[] = [];
    announcer.on('state', (s) => states.push(s));
    await announcer.start();
    await eventually(() => states.filter((s) => s === 'Active').length >= 1, {
      what: 'a failed attempt',
      timeoutMs: 5000,
      intervalMs: 10,
    });
    const speaker = new BgpSpeaker({ neighbors: [passive()], listen: { host: '127.0.0.1', port }, logger });
    await speaker.start();
    stops.push(() => speaker.stop());
    await eventually(() => announcer.state === 'Established', {
      what: 'established after retry',
      timeoutMs: 10_000,
      intervalMs: 10,
    });
    expect(states).toContain('Connect');
  });

  it('hold timer: a peer that stops sending keepalives is dropped with NOTIFICATION 4/0', async () => {
    const { speaker, downs, port } = await startSpeaker([passive()]);
    const peer = await RawPeer.connect(port);
    stops.push(() => peer.close());
    peer.sendMessage(openFrom(65001, { holdTimeSec: 3 }));
    await finishHandshake(peer, speaker);
    expect(speaker.status()[0]!.holdTimeSec).toBe(3);
    // The speaker keeps sending keepalives every second (after its End-of-RIB UPDATEs); the
    // peer stays silent.
    const started = Date.now();
    let m = await peer.next();
    while (m.type === 4 || m.type === 2) m = await peer.next();
    expect(m).toMatchObject({ type: 3, code: 4, subcode: 0 });
    expect(Date.now() - started).toBeGreaterThan(2000);
    expect(await peer.waitClosed()).toBe(true);
    await eventually(() => downs.length === 1, { what: 'peer down', timeoutMs: 5000, intervalMs: 10 });
    expect(downs[0]!.reason).toBe('hold timer expired');
    expect(speaker.status()[0]!.lastError).toContain('4/0');
  });

  it('End-of-RIB: the speaker sends one per negotiated family once Established (RFC 4724 §2)', async () => {
    const { speaker, port } = await startSpeaker([passive()]);
    const peer = await RawPeer.connect(port);
    stops.push(() => peer.close());
    // The peer negotiates IPv4 unicast only (openFrom's one multiprotocol capability).
    peer.sendMessage(openFrom(65001));
    await finishHandshake(peer, speaker);
    const m = await peer.next();
    expect(m).toMatchObject({ type: 2, announced: [], withdrawn: [], endOfRib: { afi: 1, safi: 1 } });
    // Its End-of-RIB counts in status, not as an UPDATE.
    peer.sendMessage({ type: 2, withdrawn: [], announced: [], attributes: {} });
    await eventually(() => speaker.status()[0]!.endOfRib.join() === 'ipv4', {
      what: 'End-of-RIB in status',
      timeoutMs: 5000,
      intervalMs: 10,
    });
    expect(speaker.status()[0]!.received.updates).toBe(0);
  });
});
