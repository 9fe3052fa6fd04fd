// kill -HUP of `ferry control --config FILE`: the file is read again, the new log level
// applies at once and a setting that cannot change live is logged as needing a restart; a
// kept-alive connection opened before the signal is answered on after it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitUntil } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const FERRY = join(ROOT, 'cli/bin/ferry.js');

function writeConfig(path: string, settings: Record<string, unknown>): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(settings));
  renameSync(`${path}.tmp`, path);
}

/** One HTTP/1.1 request on an open socket; resolves with the status of its answer. */
function ask(socket: Socket, path: string): Promise<number> {
  return new Promise((done, fail) => {
    let got = '';
    const timer = setTimeout(() => fail(new Error(`no answer: ${got}`)), 10_000);
    const onData = (c: Buffer) => {
      got += c.toString('latin1');
      const head = got.indexOf('\r\n\r\n');
      if (head < 0) return;
      const length = Number(/content-length: (\d+)/i.exec(got.slice(0, head))?.[1] ?? 0);
      if (got.length < head + 4 + length) return;
      clearTimeout(timer);
      socket.off('data', onData);
      done(Number(got.slice(9, 12)));
    };
    socket.on('data', onData);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: control\r\nConnection: keep-alive\r\n\r\n`);
  });
}

describe('SIGHUP of ferry control --config', () => {
  let dir: string;
  let config: string;
  let child: ChildProcess;
  let stderr = '';
  let port = 0;
  const base: Record<string, unknown> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-control-sighup-'));
    config = join(dir, 'control.json');
    Object.assign(base, { listen: '127.0.0.1:0', db: join(dir, 'control.db'), 'log-level': 'info' });
    writeConfig(config, base);
    child = spawn(process.execPath, [FERRY, 'control', '--config', config], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    await waitUntil(async () => /ferry control serving on/.test(stderr), {
      what: `control ready: ${stderr}`,
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    port = Number(/serving on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)![1]);
  }, 60_000);

  afterAll(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies the new log level, names what needs a restart, and keeps the connection', async () => {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    let closed = false;
    socket.once('close', () => {
      closed = true;
    });
    expect(await ask(socket, '/healthz')).toBe(200);

    writeConfig(config, { ...base, 'log-level': 'debug', 'steer-rate-limit': 50 });
    child.kill('SIGHUP');
    await waitUntil(async () => /"logLevel":"debug".*log level applied/.test(stderr), {
      what: `the log level applied: ${stderr.slice(-2000)}`,
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    expect(stderr).toMatch(/"settings":\["steerRateLimit"\].*need a restart/);
    expect(await ask(socket, '/healthz')).toBe(200);
    expect(closed).toBe(false);
    socket.destroy();

    // A file that no longer parses leaves the running settings.
    writeFileSync(config, '[');
    child.kill('SIGHUP');
    await waitUntil(async () => /config file not applied/.test(stderr), {
      what: 'the bad file logged',
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    expect(child.exitCode).toBeNull();
    expect(child.signalCode).toBeNull();
  }, 60_000);
});
