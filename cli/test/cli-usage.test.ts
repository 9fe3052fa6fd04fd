// The `ferry` command's conventions, on the real binary: --version, required flags marked in
// every command's --help, usage errors as one line and a pointer to the command's help with
// exit 2, distinct default ports, and the servers' config files: merged under the flags
// (--print-config), refused with the file and key named, and enough to start an appliance.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { REQUIRED } from '../src/config-file.js';
import { buildProgram } from '../src/main.js';
import { CLI, runFerry } from './support/run-ferry.js';

const ferry = (args: string[], timeoutMs = 20_000) => runFerry(args, { timeoutMs });

function allCommands(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap(allCommands)];
}

describe('ferry conventions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-cli-usage-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as {
    version: string;
  };

  it('prints its version with --version and -V', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await ferry([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`ferry ${pkg.version} (node ${process.version})\n`);
    }
  });

  it('marks every required flag in every command help', () => {
    const program = buildProgram();
    let marked = 0;
    for (const cmd of allCommands(program)) {
      const help = cmd.helpInformation();
      for (const o of cmd.options) {
        if (!o.mandatory && !REQUIRED.has(o)) continue;
        // The option's help entry runs from its flags to the next entry.
        const at = help.indexOf(`  ${o.flags}`);
        expect(at, `${cmd.name()} ${o.flags}`).toBeGreaterThan(-1);
        const entry = help
          .slice(at)
          .split(/\n {2}-/)[0]!
          .replace(/\s+/g, ' ');
        expect(entry, `${cmd.name()} ${o.flags}`).toContain('(required)');
        marked++;
      }
    }
    expect(marked).toBeGreaterThan(20);
    const appliance = program.commands
      .find((c) => c.name() === 'appliance')!
      .helpInformation()
      .replace(/\s+/g, ' ');
    expect(appliance).toMatch(/--id <id> appliance id, reported to control and in logs \(required\)/);
    expect(appliance).toMatch(/--identity-key <file> .*?\(required with --control\)/);
    expect(appliance).toMatch(/--tls-key <file> .*?\(required with --tls-cert\)/);
    expect(appliance).toMatch(/--chaos-verify-key <key> .*?\(required with --chaos on\)/);
  });

  it('answers a usage error with one line, the command help to read, and exit 2', async () => {
    const missing = await ferry(['appliance', '--store', join(dir, 's')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      "ferry: required option '--id <id>' not specified\nSee 'ferry appliance --help'.\n",
    );
    const unknown = await ferry(['control', 'token', 'list', '--file', 'x', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe("ferry: unknown option '--bogus'\nSee 'ferry control token list --help'.\n");
    const bad = await ferry(['appliance', '--id', 'a', '--store', 's', '--listen', 'nowhere']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(2);
    expect(bad.stderr).toContain('--listen');
    expect(bad.stderr).toContain("See 'ferry appliance --help'.");
    // A setting the appliance refuses at start is a usage error too.
    const refused = await ferry(['appliance', '--id', 'a', '--store', join(dir, 's')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^ferry: FERRY_ERR_CONFIG: --token-key-file FILE is required.*\nSee 'ferry appliance --help'\.\n$/,
    );
  });

  it('gives control and the appliance distinct default ports', async () => {
    const control = await ferry(['control', '--print-config']);
    expect(control.code).toBe(0);
    expect(JSON.parse(control.stdout).listen).toBe('127.0.0.1:8000');
    const appliance = await ferry(['appliance', '--id', 'a', '--store', 's', '--print-config']);
    expect(JSON.parse(appliance.stdout).listen).toBe('127.0.0.1:8080');
  });

  it('merges a config file under the flags and prints the result as a config file', async () => {
    const file = join(dir, 'appliance.json');
    writeFileSync(
      file,
      JSON.stringify({
        id: 'oca-1',
        listen: '0.0.0.0:80',
        store: ['/srv/ferry/ssd0', '/srv/ferry/ssd1'],
        'token-key-file': '/etc/ferry/keys',
        capacity: '2500Mb/s',
        'max-ranges': 4,
        'body-sender': 'copy',
      }),
    );
    const r = await ferry([
      'appliance',
      '--config',
      file,
      '--max-ranges',
      '8',
      '--site',
      'east',
      '--open',
      '--print-config',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(printed).toMatchObject({
      id: 'oca-1',
      listen: '0.0.0.0:80',
      store: ['/srv/ferry/ssd0', '/srv/ferry/ssd1'],
      'token-key-file': '/etc/ferry/keys',
      capacity: '2500Mb/s',
      'max-ranges': 8,
      site: 'east',
      'body-sender': 'copy',
      'drain-timeout': 30,
      open: true,
    });
    expect(printed).not.toHaveProperty('config');
    // What it printed is a config file that gives the same settings.
    const again = join(dir, 'printed.json');
    writeFileSync(again, r.stdout);
    const r2 = await ferry(['appliance', '--config', again, '--print-config']);
    expect(JSON.parse(r2.stdout)).toEqual(printed);
    // A repeatable flag on the command line replaces the file's list.
    const r3 = await ferry([
      'appliance',
      '--config',
      file,
      '--store',
      '/srv/other',
      '--capacity',
      '4Gb/s',
      '--print-config',
    ]);
    expect(JSON.parse(r3.stdout)).toMatchObject({ store: ['/srv/other'], capacity: '4Gb/s' });
  });

  it('names the file and the key of a bad setting', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ id: 'a', store: ['s'], colour: 'blue' }, /"colour": not a setting of 'appliance'/],
      [{ id: 'a', store: ['s'], open: 'yes' }, /"open": must be true or false/],
      [{ id: 'a', store: ['s'], listen: ['a:1', 'b:2'] }, /"listen": takes one value, not a list/],
      [{ id: 'a', store: ['s'], 'max-ranges': -1 }, /"max-ranges": expected a positive integer, got "-1"/],
      [
        { id: 'a', store: ['s'], 'body-sender': 'zero' },
        /"body-sender": "zero" is not one of auto, sendfile, copy/,
      ],
      [{ id: 'a', store: ['s'], capacity: '10GB/s' }, /"capacity": expected a rate like 10Gb\/s/],
      [{ id: 'a', store: [{ path: 's' }] }, /"store": must be a string, a number or a list of them/],
    ];
    for (const [i, [settings, want]] of cases.entries()) {
      const file = join(dir, `bad-${i}.json`);
      writeFileSync(file, JSON.stringify(settings));
      const r = await ferry(['appliance', '--config', file, '--print-config']);
      expect(r.code, JSON.stringify(settings)).toBe(2);
      expect(r.stderr).toContain(`ferry: ${file}: `);
      expect(r.stderr).toMatch(want);
      expect(r.stderr).toContain("See 'ferry appliance --help'.");
    }
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, '{"id": ');
    const r = await ferry(['control', '--config', notJson, '--print-config']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${notJson}: not JSON`);
    const control = join(dir, 'control.json');
    writeFileSync(
      control,
      JSON.stringify({ listen: '0.0.0.0:8000', 'fallback-site': ['ix'], 'log-level': 'debug' }),
    );
    const ok = await ferry(['control', '--config', control, '--print-config']);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      listen: '0.0.0.0:8000',
      'fallback-site': ['ix'],
      'log-level': 'debug',
    });
  });

  it('starts an appliance from its config file alone', async () => {
    const file = join(dir, 'serve.json');
    writeFileSync(
      file,
      JSON.stringify({
        id: 'cfg-1',
        listen: '127.0.0.1:0',
        store: [join(dir, 'store')],
        open: true,
        'access-log': 'off',
      }),
    );
    const child = spawn(process.execPath, [CLI, 'appliance', '--config', file], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      let err = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no readiness line: ${err}`)), 20_000);
        child.stderr.on('data', (c: Buffer) => {
          err += c.toString();
          const m = /cfg-1 serving on (http:\/\/\S+)/.exec(err);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
