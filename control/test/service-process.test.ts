// `ferry control` as a process: the readiness line, a graceful exit on SIGTERM, and a
// restart on the same SQLite file that keeps the registry, routes, inventory and catalog.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatKeyFile, generateKey } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestFleet, type TestTokens, writeTestTokens } from './support/fleet-auth.js';
import { heartbeatBody, oneStreamCatalog } from './support/test-data.js';

const ROOT = resolve(import.meta.dirname, '../..');
const FERRY = join(ROOT, 'cli/bin/ferry.js');

interface Running {
  proc: ChildProcess;
  url: string;
  stderr: () => string;
}

let dir = '';
const started: ChildProcess[] = [];
let tokens: TestTokens;
let controlUrl = '';
let fleet: TestFleet;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-service-process-'));
  await writeFile(join(dir, 'keys'), formatKeyFile([generateKey('k1')]), { mode: 0o600 });
  tokens = await writeTestTokens(dir);
  fleet = new TestFleet(() => controlUrl, tokens);
});

afterAll(async () => {
  for (const p of started)
    if (p.exitCode === null && p.signalCode === null && p.pid) process.kill(p.pid, 'SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

async function startControl(args: string[]): Promise<Running> {
  const proc = spawn(process.execPath, [FERRY, 'control', '--listen', '127.0.0.1:0', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  started.push(proc);
  let err = '';
  proc.stderr?.on('data', (b: Buffer) => {
    err = (err + b.toString()).slice(-20_000);
  });
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no readiness line within 20 s: ${err}`)), 20_000);
    const onData = () => {
      const m = /ferry control serving on (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        proc.stderr?.off('data', onData);
        done(m[1]!);
      }
    };
    proc.stderr?.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`ferry control exited with ${code}: ${err}`));
    });
  });
  return { proc, url, stderr: () => err };
}

function stopControl(r: Running, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((done, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`no exit within 10 s of ${signal}: ${r.stderr()}`)),
      10_000,
    );
    r.proc.once('exit', (code) => {
      clearTimeout(timer);
      done(code);
    });
    process.kill(r.proc.pid!, signal);
  });
}

async function post(url: string, body: unknown) {
  const text = JSON.stringify(body);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...fleet.headers('POST', new URL(url).pathname, text) },
    body: text,
  });
  return res.status;
}

async function get(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { headers: fleet.headers('GET', new URL(url).pathname, undefined) });
  return (await res.json()) as Record<string, unknown>;
}

const catalog = oneStreamCatalog('process', { generatedAt: '2026-11-22T00:00:00Z', shaChar: 'c' });

describe('ferry control process', () => {
  it('keeps registry, routes, inventory and catalog across a restart on SQLite', async () => {
    const db = join(dir, 'control.db');
    const args = [
      '--db',
      db,
      '--token-key-file',
      join(dir, 'keys'),
      '--operator-tokens',
      tokens.file,
      '--log-level',
      'warn',
    ];
    const first = await startControl(args);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    controlUrl = first.url;
    await fleet.enroll('a1', 'site-a');
    expect(await post(`${first.url}/v1/catalog`, catalog)).toBe(200);
    const hb = heartbeatBody({
      routes: { kind: 'snapshot', epoch: 'e1', version: 5, routes: [{ prefix: '10.0.0.0/8' }] },
      inventory: { kind: 'full', version: 2, files: ['t1-v'] },
    });
    expect(await post(`${first.url}/v1/appliances/a1/heartbeat`, hb)).toBe(200);
    expect(await stopControl(first, 'SIGTERM')).toBe(0);

    const second = await startControl(args);
    const a = await get(`${second.url}/v1/appliances/a1`);
    expect(a).toMatchObject({
      id: 'a1',
      site: 'site-a',
      routes: 1,
      routesVersion: 5,
      files: 1,
      inventoryVersion: 2,
    });
    const title = (await (await fetch(`${second.url}/v1/titles/t1`)).json()) as Record<string, unknown>;
    expect(title['id']).toBe('t1');
    const lookup = await get(`${second.url}/v1/routes/lookup?ip=10.9.9.9`);
    expect(lookup['prefix']).toBe('10.0.0.0/8');
    // The enrollment survived the restart: the appliance's next boot is accepted.
    expect(await post(`${second.url}/v1/appliances/a1/heartbeat`, { ...hb, boot: 'BBBBBBBBBBBBBBBB' })).toBe(
      200,
    );
    expect(await stopControl(second, 'SIGINT')).toBe(0);
  });

  it('refuses contradictory flags with FERRY_ERR_CONFIG', async () => {
    const proc = spawn(
      process.execPath,
      [FERRY, 'control', '--db', join(dir, 'x.db'), '--redis', 'redis://127.0.0.1:1'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    started.push(proc);
    let err = '';
    proc.stderr?.on('data', (b: Buffer) => {
      err += b.toString();
    });
    const code = await new Promise<number | null>((done) => proc.once('exit', done));
    // A usage error: exit 2 (docs/cli.md).
    expect(code).toBe(2);
    expect(err).toContain('FERRY_ERR_CONFIG');
  });
});
