// deploy/routers/bird2.conf against a real appliance: its placeholders filled in for loopback,
// BIRD 2 started with it (plus static routes standing in for the ISP's table), a real
// `ferry appliance` with --bgp-config (password, graceful restart, max-prefix). The session
// comes up with TCP MD5 and the appliance holds exactly the client prefixes: no default
// route, no bogon, nothing longer than /24 or /48, nothing outside the client prefixes; and
// when BIRD dies without a word, graceful restart keeps them (stale) at the appliance.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIRD_BIN, BIRDC_BIN, eventually, freePort, ProcessGroup } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '../..');
const CLI = join(REPO, 'cli/bin/ferry.js');
const ROUTER = '127.0.0.231';
const APPLIANCE = '127.0.0.232';
const PASSWORD = 'isp-t3st-key';

// What the ISP's table holds, and what of it the appliance must (or must not) get.
const ALLOWED = ['81.2.64.0/18', '81.2.70.0/24', '2a02:1800::/24', '2a02:1800:10::/48'];
const FILTERED = [
  '0.0.0.0/0', // default route
  '81.2.71.128/25', // inside a client prefix, longer than /24
  '10.20.0.0/16', // bogon (RFC 1918)
  '192.0.2.0/24', // bogon (documentation)
  '62.40.0.0/16', // not a client prefix (transit)
  '::/0',
  '2a02:1800:20:1::/64', // longer than /48
  '2001:db8:1::/48', // bogon (documentation)
  '2a03:4000::/32', // not a client prefix
];

const group = new ProcessGroup();
let dir = '';
let adminUrl = '';
let birdSocket = '';
let birdPid = 0;

function fill(template: string, values: Record<string, string>): string {
  const text = template.replace(/@([A-Z0-9_]+)@/g, (whole, name: string) => values[name] ?? whole);
  const left = /@[A-Z0-9_]+@/.exec(text.replace(/^#.*$/gm, ''));
  if (left) throw new Error(`placeholder ${left[0]} not filled in`);
  return text;
}

function staticRoutes(family: 'ipv4' | 'ipv6', prefixes: string[]): string {
  const routes = prefixes.map((p) => `  route ${p} blackhole;`).join('\n');
  return `protocol static isp_${family} {\n  ${family};\n${routes}\n}\n`;
}

interface Route {
  prefix: string;
  stale?: boolean;
}

async function applianceRouteList(): Promise<Route[]> {
  const res = await fetch(`${adminUrl}/v1/routes?limit=1000`, { signal: AbortSignal.timeout(2000) });
  return ((await res.json()) as { routes: Route[] }).routes;
}

async function applianceRoutes(): Promise<string[]> {
  return (await applianceRouteList()).map((r) => r.prefix).sort();
}

function birdc(...args: string[]): string {
  return execFileSync(BIRDC_BIN, ['-s', birdSocket, ...args], { encoding: 'utf8', timeout: 5000 });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-bird-example-'));
  const bgpPort = await freePort(APPLIANCE);
  const adminPort = await freePort();
  adminUrl = `http://127.0.0.1:${adminPort}`;
  // The appliance's side, as the comment in bird2.conf gives it.
  const bgpConfig = join(dir, 'bgp.json');
  const neighbor = {
    address: ROUTER,
    peerAsn: 64500,
    password: PASSWORD,
    maxPrefixes: 100000,
    gracefulRestart: true,
    restartTime: 120,
  };
  writeFileSync(
    bgpConfig,
    JSON.stringify({ listen: `${APPLIANCE}:${bgpPort}`, asn: 65010, neighbors: [neighbor] }),
    { mode: 0o600 },
  );
  mkdirSync(join(dir, 'store'));
  const app = group.start({
    name: 'appliance',
    command: process.execPath,
    args: [
      CLI,
      'appliance',
      '--id',
      'bird-example',
      '--listen',
      '127.0.0.1:0',
      '--admin-listen',
      `127.0.0.1:${adminPort}`,
      '--store',
      join(dir, 'store'),
      '--open',
      '--bgp-config',
      bgpConfig,
    ],
  });
  await eventually(
    async () => {
      if (app.exit) throw new Error(`appliance exited: ${app.stderr()}`);
      expect((await fetch(`${adminUrl}/healthz`)).status).toBe(200);
    },
    { what: 'appliance up', timeoutMs: 30_000, intervalMs: 200 },
  );

  const template = readFileSync(join(REPO, 'deploy/routers/bird2.conf'), 'utf8');
  const config = fill(template, {
    ROUTER_ID: ROUTER,
    ROUTER_ADDRESS: ROUTER,
    ROUTER_IPV6: '2001:db8::231',
    ISP_ASN: '64500',
    APPLIANCE_ADDRESS: APPLIANCE,
    APPLIANCE_PORT: String(bgpPort),
    FERRY_ASN: '65010',
    PASSWORD,
    CLIENT_PREFIXES_V4: '81.2.64.0/18+',
    CLIENT_PREFIXES_V6: '2a02:1800::/24+',
  });
  const v4 = [...ALLOWED, ...FILTERED].filter((p) => !p.includes(':'));
  const v6 = [...ALLOWED, ...FILTERED].filter((p) => p.includes(':'));
  const conf = join(dir, 'bird.conf');
  // The test's additions: a log file and the static routes standing in for the ISP's table.
  writeFileSync(
    conf,
    `log "${join(dir, 'bird.log')}" all;\n${config}\n${staticRoutes('ipv4', v4)}${staticRoutes('ipv6', v6)}`,
  );
  birdSocket = join(dir, 'bird.ctl');
  const bird = group.start({
    name: 'bird',
    command: BIRD_BIN,
    args: ['-f', '-c', conf, '-s', birdSocket, '-P', join(dir, 'bird.pid')],
  });
  birdPid = bird.pid;
  await eventually(
    () => {
      if (bird.exit) throw new Error(`bird exited: ${bird.stderr()}`);
      expect(birdc('show', 'status')).toContain('Daemon is up and running');
    },
    { what: 'bird up', timeoutMs: 15_000, intervalMs: 200 },
  );
}, 90_000);

afterAll(async () => {
  await group.stopAll(5000);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('deploy/routers/bird2.conf', () => {
  it('establishes with the password and graceful restart', async () => {
    await eventually(() => expect(birdc('show', 'protocols', 'ferry_appliance')).toContain('Established'), {
      what: 'session Established',
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    const all = birdc('show', 'protocols', 'all', 'ferry_appliance');
    // Both sides advertised the Graceful Restart capability.
    expect(all).toMatch(/Local capabilities[\s\S]*Graceful restart/);
    expect(all).toMatch(/Neighbor capabilities[\s\S]*Graceful restart/);
  }, 40_000);

  it('gives the appliance the client prefixes and none of the filtered ones', async () => {
    await eventually(async () => expect(await applianceRoutes()).toEqual([...ALLOWED].sort()), {
      what: 'appliance routes',
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    // Still so once BIRD has exported everything it will (both End-of-RIBs sent).
    const exported = birdc('show', 'route', 'export', 'ferry_appliance');
    for (const p of FILTERED) expect(exported).not.toContain(`${p} `);
    expect(await applianceRoutes()).toEqual([...ALLOWED].sort());
  }, 40_000);

  it('keeps the routes, stale, when BIRD dies (graceful restart)', async () => {
    // SIGKILL: the TCP connection just ends, no NOTIFICATION, as when a router crashes.
    process.kill(birdPid, 'SIGKILL');
    await eventually(
      async () => {
        const routes = await applianceRouteList();
        expect(routes.map((r) => r.prefix).sort()).toEqual([...ALLOWED].sort());
        expect(routes.every((r) => r.stale === true)).toBe(true);
      },
      { what: 'stale routes kept', timeoutMs: 20_000, intervalMs: 250 },
    );
  }, 30_000);
});
