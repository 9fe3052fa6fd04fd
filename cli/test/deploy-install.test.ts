// deploy/install-appliance.sh and deploy/install-control.sh, run as root into a throwaway root
// (--prefix) twice: the second run changes no file's content, mode, owner or mtime; the user,
// modes and files are as docs/install.md says; systemd-analyze verifies both units; and each
// service starts from its installed unit's command line (ExecStart, User, WorkingDirectory,
// UMask, AmbientCapabilities) inside a network namespace, the appliance on port 80 as user
// ferry with CAP_NET_BIND_SERVICE only, answers /healthz and stops on SIGTERM by its pid.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, ProcessGroup } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accounts,
  netnsAdd,
  netnsDelete,
  procStatus,
  seedBaseSystem,
  snapshot,
  startFromUnit,
  statusInNetns,
  unitSettings,
} from './support/deploy-root.js';

const REPO = join(import.meta.dirname, '../..');
const DEPLOY = join(REPO, 'deploy');
const group = new ProcessGroup();
const ns = `ferry-install-${process.pid}`;
let root = '';
let firstRun = '';

function install(script: string, args: string[]): string {
  return execFileSync('bash', [join(DEPLOY, script), '--prefix', root, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
}

const APPLIANCE_ARGS = [
  '--id',
  'oca-test',
  '--site',
  'east',
  '--store',
  '/srv/ferry/ssd0',
  '--store',
  '/srv/ferry/ssd1',
];

function modeOf(rel: string): string {
  return (statSync(join(root, rel)).mode & 0o7777).toString(8).padStart(4, '0');
}
function ownerOf(rel: string): string {
  const st = statSync(join(root, rel));
  return `${st.uid}:${st.gid}`;
}
function unit(name: string): Map<string, string> {
  return unitSettings(readFileSync(join(root, 'etc/systemd/system', name), 'utf8'));
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ferry-install-'));
  seedBaseSystem(root);
  firstRun = install('install-appliance.sh', APPLIANCE_ARGS) + install('install-control.sh', ['--chaos']);
}, 240_000);

afterAll(async () => {
  await group.stopAll(3000);
  netnsDelete(ns);
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('install scripts', () => {
  it('print their usage with --help', () => {
    for (const script of ['install-appliance.sh', 'install-control.sh']) {
      const out = execFileSync('bash', [join(DEPLOY, script), '--help'], { encoding: 'utf8' });
      expect(out).toMatch(/^usage: install-/);
      expect(out).toContain('--prefix DIR');
      expect(out).toContain('--source DIR');
    }
  });

  it('a second run of both changes nothing', () => {
    const before = snapshot(root, 'opt/ferry/');
    const second =
      install('install-appliance.sh', APPLIANCE_ARGS) + install('install-control.sh', ['--chaos']);
    const after = snapshot(root, 'opt/ferry/');
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    const changed = [...after].filter(([path, e]) => JSON.stringify(e) !== JSON.stringify(before.get(path)));
    expect(changed.map(([path]) => path)).toEqual([]);
    expect(second).toContain('kept /etc/ferry/appliance.json');
    expect(second).toContain('kept /opt/ferry (same source)');
    expect(second).not.toContain('wrote ');
    // The identity key is the same one: the public key to enroll does not change.
    const pub = (text: string) => /identity key public key: (\S+)/.exec(text)?.[1];
    expect(pub(second)).toBe(pub(firstRun));
  });

  it('make a system user ferry with no login and no home, and own the right paths', () => {
    const ferry = accounts(root).get('ferry');
    expect(ferry).toBeDefined();
    expect(ferry!.uid).toBeLessThan(1000);
    expect(ferry!.shell).toBe('/usr/sbin/nologin');
    expect(ferry!.home).toBe('/nonexistent');
    const rootFerry = `0:${ferry!.gid}`;
    const own = `${ferry!.uid}:${ferry!.gid}`;
    const expected: [string, string, string][] = [
      ['etc/ferry', '0750', rootFerry],
      ['etc/ferry/keys', '0640', rootFerry],
      ['etc/ferry/identity.key', '0640', rootFerry],
      ['etc/ferry/chaos.key', '0640', rootFerry],
      ['etc/ferry/operator-tokens', '0640', rootFerry],
      ['etc/ferry/appliance.json', '0640', rootFerry],
      ['etc/ferry/control.json', '0640', rootFerry],
      ['var/lib/ferry', '0750', own],
      ['var/log/ferry', '0750', own],
      ['srv/ferry/ssd0', '0750', own],
      ['srv/ferry/ssd1', '0750', own],
      ['usr/local/bin/ferry', '0755', '0:0'],
      ['opt/ferry', '0755', '0:0'],
      ['etc/systemd/system/ferry-appliance.service', '0644', '0:0'],
      ['etc/systemd/system/ferry-control.service', '0644', '0:0'],
      ['etc/logrotate.d/ferry', '0644', '0:0'],
    ];
    expect(expected.map(([p]) => [p, modeOf(p), ownerOf(p)])).toEqual(expected);
    expect(readFileSync(join(root, 'usr/local/bin/ferry'), 'utf8')).toContain(
      'exec /usr/bin/node /opt/ferry/cli/bin/ferry.js "$@"',
    );
  });

  it('write the config files from the options, with paths inside the root', () => {
    const appliance = JSON.parse(readFileSync(join(root, 'etc/ferry/appliance.json'), 'utf8'));
    expect(appliance).toMatchObject({
      id: 'oca-test',
      site: 'east',
      listen: '0.0.0.0:80',
      store: ['/srv/ferry/ssd0', '/srv/ferry/ssd1'],
      'token-key-file': '/etc/ferry/keys',
      'identity-key': '/etc/ferry/identity.key',
    });
    const control = JSON.parse(readFileSync(join(root, 'etc/ferry/control.json'), 'utf8'));
    expect(control).toMatchObject({ listen: '127.0.0.1:8000', db: '/var/lib/ferry/control.db' });
    expect(JSON.stringify([appliance, control])).not.toContain(root);
  });

  it('install hardened units that systemd-analyze verifies', () => {
    const a = unit('ferry-appliance.service');
    expect(a.get('ExecStart')).toBe('/usr/local/bin/ferry appliance --config /etc/ferry/appliance.json');
    expect(a.get('User')).toBe('ferry');
    expect(a.get('NoNewPrivileges')).toBe('yes');
    expect(a.get('ProtectSystem')).toBe('strict');
    expect(a.get('CapabilityBoundingSet')).toBe('CAP_NET_BIND_SERVICE');
    expect(a.get('AmbientCapabilities')).toBe('CAP_NET_BIND_SERVICE');
    expect(a.get('RestartForceExitStatus')).toBe('86');
    expect(Number(a.get('TimeoutStopSec'))).toBeGreaterThan(30); // above drain-timeout 30
    const c = unit('ferry-control.service');
    expect(c.get('ExecStart')).toBe('/usr/local/bin/ferry control --config /etc/ferry/control.json');
    expect(c.get('CapabilityBoundingSet')).toBe('');
    expect(c.get('ReadWritePaths')).toBe('/var/lib/ferry');
    expect(a.get('ReadWritePaths')).toBe('/srv/ferry /var/log/ferry');
    // A missing tool fails the test: systemd-analyze ships with systemd on Debian 12.
    execFileSync(
      'systemd-analyze',
      ['verify', `--root=${root}`, 'ferry-appliance.service', 'ferry-control.service'],
      { encoding: 'utf8', stdio: 'pipe' },
    );
  });

  it('start each service from its unit in a network namespace, as ferry, stopping on SIGTERM', async () => {
    netnsAdd(ns);
    const ferry = accounts(root).get('ferry')!;
    for (const [name, url, caps] of [
      ['ferry-appliance.service', 'http://127.0.0.1:80/healthz', '0000000000000400'],
      ['ferry-control.service', 'http://127.0.0.1:8000/healthz', '0000000000000000'],
    ] as const) {
      const settings = unit(name);
      const argv = settings.get('ExecStart')!.split(' ');
      const writable = settings.get('ReadWritePaths')!.split(' ');
      const child = startFromUnit(group, { ns, root, unit: settings, argv, writable }, name);
      await eventually(
        () => {
          if (child.exit) throw new Error(`${name} exited ${JSON.stringify(child.exit)}: ${child.stderr()}`);
          expect(statusInNetns(ns, url)).toBe(200);
        },
        { what: `${name} /healthz`, timeoutMs: 30_000, intervalMs: 250 },
      );
      const status = procStatus(child.pid);
      expect(status.get('Uid')!.split(/\s+/)).toEqual(Array(4).fill(String(ferry.uid)));
      expect(status.get('CapEff')).toBe(caps);
      expect(status.get('CapBnd')).toBe(caps);
      expect(status.get('NoNewPrivs')).toBe('1');
      process.kill(child.pid, 'SIGTERM');
      const exit = await Promise.race([
        child.exited,
        new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 40_000)),
      ]);
      expect(exit).not.toBe('timeout');
      // A drain, not a kill: it finished and exited cleanly.
      expect(exit).toMatchObject({ code: 0, signal: null });
    }
    // The appliance wrote its access log as ferry, in the root (the bind mount), mode 0640 (UMask).
    expect(modeOf('var/log/ferry/access.log')).toBe('0640');
    expect(ownerOf('var/log/ferry/access.log')).toBe(`${ferry.uid}:${ferry.gid}`);
    expect(statSync(join(root, 'var/lib/ferry/control.db')).uid).toBe(ferry.uid);
  }, 120_000);
});
