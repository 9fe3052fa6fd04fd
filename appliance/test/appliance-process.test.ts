// `ferry appliance` as a real process: readiness lines, SIGTERM drains and exits 0, and
// --workers N runs N workers on one port with metrics, drains and undrains across all of
// them (admin requests on the admin listener, answered consistently by every worker).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pidAlive } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentStore } from '../src/store/store.js';
import { testBytes } from './support/appliance-fixture.js';
import { CLI, startApplianceProcess } from './support/appliance-process.js';
import { adminPost, get, json } from './support/http-client.js';

describe('ferry appliance process', () => {
  let dir: string;
  let store: string;
  const running: ChildProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-proc-'));
    store = join(dir, 'store');
    const s = ContentStore.open([store]);
    writeFileSync(join(dir, 'clip'), testBytes(200_000, 'clip'));
    await s.add(join(dir, 'clip'), 'clip');
    s.close();
  });
  /** An open (tokenless) appliance on the test store, with `extra` flags; killed after all. */
  const openAppliance = async (id: string, ...extra: string[]) => {
    const a = await startApplianceProcess(
      ['--id', id, '--listen', '127.0.0.1:0', '--store', store, '--open', '--access-log', 'off', ...extra],
      20_000,
    );
    running.push(a.child);
    return a;
  };
  afterAll(() => {
    for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves, then drains and exits 0 on SIGTERM', async () => {
    const a = await openAppliance('p1');
    expect((await get(`${a.url}/v1/c/clip`, { Range: 'bytes=0-9' })).status).toBe(206);
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
  });

  it('refuses to start without tokens or --open, naming the flag', async () => {
    const child = spawn(process.execPath, [CLI, 'appliance', '--id', 'p2', '--store', store], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).not.toBe(0);
    expect(err).toContain('--token-key-file');
  });

  it('runs several workers on one port, aggregates metrics, and stops them all', async () => {
    const a = await openAppliance('p3', '--workers', '2');
    const pids = new Set<number>();
    // The primary hands connections to workers in turn; each request here is a new connection.
    for (let i = 0; i < 20 && pids.size < 2; i++) {
      pids.add((json(await get(`${a.adminUrl}/v1/status`)).worker as { pid: number }).pid);
    }
    for (let i = 0; i < 6; i++) {
      expect((await get(`${a.url}/v1/c/clip`, { Range: 'bytes=0-99' })).status).toBe(206);
    }
    expect(pids.size).toBe(2);
    const metrics = (await get(`${a.adminUrl}/metrics`)).body.toString();
    const sent = /ferry_bytes_sent_total\{path="(?:sendfile|copy)"\} (\d+)/.exec(metrics);
    const served = Number(/ferry_responses_total\{status="206"\} (\d+)/.exec(metrics)?.[1]);
    // Six 206 responses of 100 bytes each, spread over both workers, summed.
    expect(served).toBe(6);
    expect(Number(sent?.[1])).toBe(600);
    expect(metrics).toMatch(/ferry_store_files\{disk="[^"]+"\} 1\n/);
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    for (const pid of pids) expect(pidAlive(pid)).toBe(false);
  });

  it('drains and undrains every worker before answering, so any worker agrees at once', async () => {
    const a = await openAppliance('p4', '--workers', '2');
    // Each request is a new connection, handed to the workers in turn.
    const states = async () => {
      const seen = new Map<number, string>();
      for (let i = 0; i < 8; i++) {
        const s = json(await get(`${a.adminUrl}/v1/status`));
        seen.set((s.worker as { pid: number }).pid, s.state as string);
      }
      return seen;
    };
    expect((await get(`${a.url}/v1/drain`, { 'content-type': 'application/json' }, 'POST')).status).toBe(404);
    expect((await adminPost(`${a.adminUrl}/v1/drain`)).status).toBe(202);
    const drained = await states();
    expect(drained.size).toBe(2);
    for (const state of drained.values()) expect(state).not.toBe('serving');
    for (let i = 0; i < 4; i++) expect((await get(`${a.url}/v1/c/clip`)).status).toBe(503);

    expect((await adminPost(`${a.adminUrl}/v1/undrain`)).status).toBe(200);
    for (const state of (await states()).values()) expect(state).toBe('serving');
    for (let i = 0; i < 4; i++) {
      expect((await get(`${a.url}/v1/c/clip`, { Range: 'bytes=0-9' })).status).toBe(206);
    }
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
  });
});
