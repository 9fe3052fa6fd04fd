// The appliance as a whole with BGP on: a real BIRD 2 and a real `ferry announce` process
// feed it routes, and GET /v1/routes shows them through withdrawals, a router restart and
// a peer that sends garbage, while content keeps being served.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bird, eventually, freePort } from '@ferry/harness';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAppliance, startAppliance } from '../src/app.js';
import { decodeMessage, splitMessages } from '../src/bgp/codec/codec.js';
import { settingsFromFlags } from '../src/bgp/session/neighbors.js';
import { ContentStore } from '../src/store/store.js';
import { testBytes, testConfig } from './support/appliance-fixture.js';
import { get, json } from './support/http-client.js';

const FERRY_ADDR = '127.0.0.61';
const BIRD_ADDR = '127.0.0.62';
const FERRY_AS = 65061;
const BIRD_AS = 65062;
const CLI = join(import.meta.dirname, '../../cli/bin/ferry.js');

async function startWithBgp(
  dir: string,
  flags: Parameters<typeof settingsFromFlags>[0],
): Promise<RunningAppliance> {
  const store = join(dir, 'store');
  const s = ContentStore.open([store]);
  writeFileSync(join(dir, 'clip'), testBytes(10_000, 'clip'));
  await s.add(join(dir, 'clip'), 'clip');
  s.close();
  return startAppliance(testConfig({ id: 'bgp-app', stores: [store], bgp: settingsFromFlags(flags) }), {
    logger: pino({ level: 'silent' }),
  });
}

async function routePrefixes(app: RunningAppliance, query = ''): Promise<string[]> {
  const body = json(await get(`${app.adminUrl}/v1/routes${query}`));
  return (body.routes as { prefix: string }[]).map((r) => r.prefix);
}

/** Sends bytes from a given source address and returns the first message the speaker answers. */
function rawExchange(
  port: number,
  from: string,
  bytes: Buffer,
): Promise<ReturnType<typeof decodeMessage> | null> {
  return new Promise((resolve) => {
    const s = connect({ host: FERRY_ADDR, port, localAddress: from });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => s.destroy(), 5000);
    s.on('connect', () => s.write(bytes));
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
    });
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      const messages = splitMessages(buf).messages.map((m) => decodeMessage(m, { fourOctetAs: true }));
      resolve(messages.find((m) => m.type === 3) ?? null);
    });
  });
}

describe('appliance with BGP', () => {
  let dir: string;
  let app: RunningAppliance;
  let bird: Bird | undefined;
  let bgpPort: number;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-app-bgp-'));
    bgpPort = await freePort(FERRY_ADDR);
    app = await startWithBgp(dir, {
      bgpListen: { host: FERRY_ADDR, port: bgpPort },
      asn: FERRY_AS,
      peerAsn: BIRD_AS,
      bgpPeer: BIRD_ADDR,
      bgpHoldTime: 9,
    });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await bird?.stop();
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a peer that sends garbage with a NOTIFICATION and keeps serving', async () => {
    const notification = await rawExchange(bgpPort, BIRD_ADDR, Buffer.alloc(40, 0x42));
    expect(notification).toMatchObject({ type: 3, code: 1, subcode: 1 });
    expect((await get(`${app.url}/healthz`)).status).toBe(200);
    expect((await get(`${app.url}/v1/c/clip`, { Range: 'bytes=0-9' })).status).toBe(206);
  });

  it('shows what BIRD exports at /v1/routes, through withdrawals and a BIRD restart', async () => {
    bird = await Bird.start({
      localAddress: BIRD_ADDR,
      localPort: await freePort(BIRD_ADDR),
      localAs: BIRD_AS,
      neighborAddress: FERRY_ADDR,
      neighborPort: bgpPort,
      neighborAs: FERRY_AS,
      routes4: [{ prefix: '10.20.0.0/16', communities: [[65000, 20]] }, '10.21.0.0/16'],
      routes6: ['2001:db8:20::/48'],
      ipv6NextHop: '2001:db8::62',
    });
    await eventually(async () => (await routePrefixes(app)).length === 3, {
      what: 'routes from BIRD',
      timeoutMs: 15_000,
      intervalMs: 50,
    });
    expect(await routePrefixes(app)).toEqual(['10.20.0.0/16', '10.21.0.0/16', '2001:db8:20::/48']);
    const [route] = json(await get(`${app.adminUrl}/v1/routes?contains=10.20.3.4`)).routes as Record<
      string,
      unknown
    >[];
    expect(route).toMatchObject({ prefix: '10.20.0.0/16', asPath: [BIRD_AS], communities: ['65000:20'] });
    const status = json(await get(`${app.adminUrl}/v1/status`));
    expect((status.bgp as { sessions: { state: string }[] }).sessions[0]!.state).toBe('Established');
    expect((await get(`${app.adminUrl}/metrics`)).body.toString()).toMatch(/ferry_bgp_prefixes\{afi="4"\} 2/);

    await bird.setRoutes({ routes4: ['10.21.0.0/16'], routes6: [] });
    await eventually(async () => (await routePrefixes(app)).length === 1, {
      what: 'withdrawals',
      timeoutMs: 15_000,
      intervalMs: 50,
    });
    expect(await routePrefixes(app)).toEqual(['10.21.0.0/16']);

    await bird.restart();
    await eventually(
      async () => {
        const s = json(await get(`${app.adminUrl}/v1/status`)).bgp as {
          sessions: { state: string; uptimeSec: number }[];
        };
        return s.sessions[0]!.state === 'Established' && (await routePrefixes(app)).length === 1;
      },
      { what: 'routes after the restart', timeoutMs: 15_000, intervalMs: 50 },
    );
    expect((await get(`${app.adminUrl}/v1/routes?limit=0`)).status).toBe(400);
    await bird.stop();
    bird = undefined;
    await eventually(async () => (await routePrefixes(app)).length === 0, {
      what: 'routes dropped with the session',
      timeoutMs: 15_000,
      intervalMs: 50,
    });
  });

  it('learns from a `ferry announce` process and drops its routes when it exits', async () => {
    const prefixes = join(dir, 'prefixes.txt');
    writeFileSync(prefixes, '# test feed\n198.51.100.0/24\n203.0.113.0/24\n');
    const child = spawn(
      process.execPath,
      [
        CLI,
        'announce',
        '--connect',
        `${FERRY_ADDR}:${bgpPort}`,
        '--asn',
        String(BIRD_AS),
        '--peer-asn',
        String(FERRY_AS),
        '--prefixes',
        prefixes,
        '--log-level',
        'warn',
        // The appliance accepts only its configured peer address.
        '--local-address',
        BIRD_ADDR,
      ],
      { stdio: 'ignore' },
    );
    children.push(child);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await eventually(async () => (await routePrefixes(app)).length === 2, {
      what: 'announced routes',
      timeoutMs: 20_000,
      intervalMs: 50,
    });
    expect(await routePrefixes(app)).toEqual(['198.51.100.0/24', '203.0.113.0/24']);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await eventually(async () => (await routePrefixes(app)).length === 0, {
      what: 'routes dropped',
      timeoutMs: 15_000,
      intervalMs: 50,
    });
  });
});
