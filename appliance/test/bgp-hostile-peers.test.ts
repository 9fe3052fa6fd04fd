// Hostile input on the BGP wire, on real loopback sockets against a real appliance: a
// stranger's address learns nothing and is counted; --peer-asn alone is a config error; a
// silent connection is dropped after the OPEN wait; a new connection from the peer takes
// over one stuck before Established (RFC 4271 §6.8) and is refused with 6/7 once Established.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@ferry/harness';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Announcer } from '../src/bgp/announce/announce.js';
import { parsePrefix } from '../src/bgp/codec/codec.js';
import type { BgpMessage } from '../src/bgp/codec/types.js';
import { type BgpSettings, settingsFromFlags, settingsFromJson } from '../src/bgp/session/neighbors.js';
import { BgpSpeaker } from '../src/bgp/session/speaker.js';
import { startFixture } from './support/appliance-fixture.js';
import { openFrom, RawPeer } from './support/bgp-raw-peer.js';
import { get, json } from './support/http-client.js';

const LISTEN = '127.0.0.81';
const PEER = '127.0.0.82';
const STRANGER = '127.0.0.83';
const FERRY_AS = 65081;
const PEER_AS = 65082;
const CLI = join(import.meta.dirname, '../../cli/bin/ferry.js');
const logger = pino({ level: process.env.FERRY_TEST_LOG ?? 'silent' });

const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (stops.length > 0) await stops.pop()!();
});

const flagSettings = (): BgpSettings =>
  settingsFromFlags({
    bgpListen: { host: LISTEN, port: 0 },
    asn: FERRY_AS,
    peerAsn: PEER_AS,
    bgpPeer: PEER,
  })!;

async function startApp(bgp: BgpSettings) {
  const f = await startFixture({ config: { bgp } });
  stops.push(() => f.stop());
  const speaker = f.app.bgp!.speaker;
  return {
    // /v1/routes and /metrics live on the admin listener.
    url: f.adminUrl,
    port: speaker.listenAddress!.port,
    state: () => speaker.status()[0]!.state,
  };
}

async function routes(url: string): Promise<string[]> {
  const body = json(await get(`${url}/v1/routes`));
  return (body.routes as { prefix: string }[]).map((r) => r.prefix).sort();
}

async function refused(url: string, reason: string): Promise<number> {
  const text = (await get(`${url}/metrics`)).body.toString();
  const m = new RegExp(`^ferry_bgp_connections_refused_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(
    text,
  );
  return m ? Number(m[1]) : 0;
}

async function announcer(port: number, prefixes: string[], from = PEER): Promise<Announcer> {
  const a = new Announcer({
    connect: { host: LISTEN, port },
    localAddress: from,
    localAs: PEER_AS,
    peerAs: FERRY_AS,
    connectRetrySec: 1,
    maxBackoffSec: 1,
    logger,
  });
  await a.announce(prefixes.map(parsePrefix));
  await a.start();
  stops.push(() => a.stop());
  return a;
}

async function rawPeer(port: number, from: string): Promise<RawPeer> {
  const p = await RawPeer.connect(port, LISTEN, from);
  stops.push(() => p.close());
  return p;
}

function pollUntil(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  return eventually(check, { what, timeoutMs, intervalMs: 50 });
}

function expectCease(m: BgpMessage, subcode: number): void {
  expect(m.type).toBe(3);
  if (m.type === 3) expect([m.code, m.subcode]).toEqual([6, subcode]);
}

describe('bgp hostile peers: who may connect', () => {
  it("a stranger's address is closed on arrival with 6/5, learns nothing, and is counted", async () => {
    const app = await startApp(flagSettings());
    // The first thing the stranger hears is the refusal, not our OPEN: no session was touched.
    const probe = await rawPeer(app.port, STRANGER);
    probe.sendMessage(openFrom(PEER_AS));
    expectCease(await probe.next(), 5);
    expect(await probe.waitClosed()).toBe(true);
    // A real speaker at the stranger's address with the probe's routes, retrying every second.
    const stranger = await announcer(app.port, ['0.0.0.0/1', '128.0.0.0/1', '8.8.8.0/24'], STRANGER);
    await pollUntil('two more refusals', async () => (await refused(app.url, 'unknown-address')) >= 3);
    expect(stranger.state).not.toBe('Established');
    expect(app.state()).toBe('Active');
    expect(await routes(app.url)).toEqual([]);
    // The configured router is unaffected.
    await announcer(app.port, ['198.51.100.0/24']);
    await pollUntil('the peer route', async () => (await routes(app.url)).length === 1);
    expect(await routes(app.url)).toEqual(['198.51.100.0/24']);
  });

  it('--peer-asn without --bgp-peer is refused at config time, naming the flags', () => {
    const flags = { bgpListen: { host: LISTEN, port: 1179 }, asn: FERRY_AS, peerAsn: PEER_AS };
    expect(() => settingsFromFlags(flags)).toThrowError(
      expect.objectContaining({ code: 'FERRY_ERR_BGP_CONFIG' }),
    );
    expect(() => settingsFromFlags(flags)).toThrowError(/--peer-asn needs --bgp-peer.*--bgp-peer any/);
    expect(() =>
      settingsFromJson({ listen: `${LISTEN}:1179`, asn: 1, neighbors: [{ peerAsn: 2 }] }, 'f.json'),
    ).toThrowError(/f\.json neighbors\[0\]\.address: required/);
    const dir = mkdtempSync(join(tmpdir(), 'ferry-bgp-hostile-'));
    stops.push(() => rmSync(dir, { recursive: true, force: true }));
    const args = ['appliance', '--id', 'x', '--store', dir, '--open', '--listen', '127.0.0.1:0'];
    const bgp = ['--bgp-listen', `${LISTEN}:0`, '--asn', String(FERRY_AS), '--peer-asn', String(PEER_AS)];
    const r = spawnSync(process.execPath, [CLI, ...args, ...bgp], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/FERRY_ERR_BGP_CONFIG: --peer-asn needs --bgp-peer/);
  });

  it('--bgp-peer any is accepted and logged as a warning at start', async () => {
    const lines: string[] = [];
    const capture = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
    const s = settingsFromFlags({
      bgpListen: { host: LISTEN, port: 0 },
      asn: 1,
      peerAsn: 2,
      bgpPeer: 'any',
    })!;
    expect(s.neighbors[0]!.address).toBe('*');
    const speaker = new BgpSpeaker({ ...s, logger: capture });
    await speaker.start();
    stops.push(() => speaker.stop());
    expect(lines.join('')).toContain('accepts connections from any address');
  });
});

describe('bgp hostile peers: slots and collisions', () => {
  it('a silent connection is dropped after the OPEN wait (4/0), then the peer establishes', async () => {
    const bgp = settingsFromJson(
      { listen: `${LISTEN}:0`, asn: FERRY_AS, neighbors: [{ address: PEER, peerAsn: PEER_AS, openWait: 1 }] },
      'bgp.json',
    );
    const app = await startApp(bgp);
    const started = Date.now();
    const silent = await rawPeer(app.port, PEER);
    expect((await silent.next()).type).toBe(1);
    await eventually(() => app.state() === 'OpenSent', { what: 'OpenSent', timeoutMs: 2000, intervalMs: 10 });
    const n = await silent.next(5000);
    expect(n.type === 3 && [n.code, n.subcode]).toEqual([4, 0]);
    expect(await silent.waitClosed()).toBe(true);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(4000);
    await announcer(app.port, ['198.51.100.0/24']);
    await pollUntil('the peer route', async () => (await routes(app.url)).length === 1);
  });

  it('a second connection from the peer takes over one in OpenSent: 6/7 on the silent one', async () => {
    const app = await startApp(flagSettings());
    const silent = await rawPeer(app.port, PEER);
    expect((await silent.next()).type).toBe(1);
    await eventually(() => app.state() === 'OpenSent', { what: 'OpenSent', timeoutMs: 2000, intervalMs: 10 });
    const started = Date.now();
    await announcer(app.port, ['198.51.100.0/24']);
    expectCease(await silent.next(), 7);
    expect(await silent.waitClosed()).toBe(true);
    await pollUntil('the peer route', async () => (await routes(app.url)).length === 1);
    // Well inside the 10 s OPEN wait: the silent socket did not hold the slot.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await refused(app.url, 'collision')).toBe(0);
  });

  it('a second connection while Established gets 6/7; the session and its routes stay', async () => {
    const app = await startApp(flagSettings());
    const a = await announcer(app.port, ['198.51.100.0/24', '203.0.113.0/24']);
    await pollUntil('the peer routes', async () => (await routes(app.url)).length === 2);
    const intruder = await rawPeer(app.port, PEER);
    intruder.sendMessage(openFrom(PEER_AS));
    // The refusal comes first: the Established session never saw the connection.
    expectCease(await intruder.next(), 7);
    expect(await intruder.waitClosed()).toBe(true);
    expect(await refused(app.url, 'collision')).toBe(1);
    expect(app.state()).toBe('Established');
    expect(a.state).toBe('Established');
    expect(await routes(app.url)).toEqual(['198.51.100.0/24', '203.0.113.0/24']);
  });
});
