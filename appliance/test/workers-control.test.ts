// `ferry appliance --workers 2` in a real deployment (harness startDeployment): a real
// `ferry control` on SQLite, a real `ferry announce` BGP feed, token keys and a catalog. The
// appliance comes up healthy with its routes at control, control steers to it, and the
// connections open on both workers reach control summed in the primary's one heartbeat.

import { mkdtempSync, rmSync } from 'node:fs';
import { type ClientRequest, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Deployment, eventually, pidAlive, startDeployment } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, json } from './support/http-client.js';

const ID = 'workers-1';

interface WorkerStatus {
  worker: { index: number; pid: number };
  requestsInFlight: number;
  control?: { isolated: boolean };
  bgp?: { routes: number };
}

describe('ferry appliance --workers 2 under a real control', () => {
  let dir: string;
  let d: Deployment;
  const held: ClientRequest[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-workers-control-'));
    d = await startDeployment({
      dir,
      // Every loopback address is in the prefix, so control steers this test's requests here.
      appliances: [{ id: ID, site: 'isp-w', address: '127.0.0.113', prefix: '127.0.0.0/8' }],
      content: { titles: 1, minutes: 1, seed: 'workers' },
      applianceArgs: ['--workers', '2'],
    });
  }, 120_000);

  afterAll(async () => {
    for (const r of held) r.destroy();
    await d?.topo.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const adminUrl = () => d.topo.applianceAdminUrls.get(ID)!;
  const perWorker = async (): Promise<Map<number, WorkerStatus>> => {
    const seen = new Map<number, WorkerStatus>();
    for (let i = 0; i < 20 && seen.size < 2; i++) {
      const s = json(await get(`${adminUrl()}/v1/status`)) as unknown as WorkerStatus;
      seen.set(s.worker.index, s);
    }
    expect(seen.size).toBe(2);
    return seen;
  };

  it('is healthy at control with its routes, and control steers viewers to it', async () => {
    const view = await d.topo.client().getAppliance(ID);
    expect(view.health).toBe('healthy');
    expect(view.routes).toBe(1);
    expect(view.files).toBeGreaterThan(0);
    for (const s of (await perWorker()).values()) {
      expect(s.control?.isolated).toBe(false);
      expect(s.bgp?.routes).toBe(1);
    }
    const steer = await d.topo.client().steer(d.catalog.titles[0]!.id);
    const url = steer.streams[0]!.urls[0]!;
    expect(url.applianceId).toBe(ID);
    const r = await get(url.url, { Range: 'bytes=0-99' });
    expect(r.status).toBe(206);
  });

  it("sums the connections open on both workers into control's view", async () => {
    const steer = await d.topo.client().steer(d.catalog.titles[0]!.id);
    const biggest = [...steer.streams].sort((a, b) => b.size - a.size)[0]!;
    // Whole-file downloads the test never reads: each stays in flight on its worker.
    const hold = () =>
      new Promise<void>((resolve, reject) => {
        const req = request(biggest.urls[0]!.url, { agent: false }, (res) => {
          expect(res.statusCode).toBe(200);
          res.pause();
          resolve();
        });
        req.on('error', reject);
        req.end();
        held.push(req);
      });
    // New connections go to the workers in turn (control's probes come in between too):
    // bounded, until both workers hold some.
    for (let i = 0; i < 8; i++) {
      await hold();
      if (i < 1) continue;
      const counts = [...(await perWorker()).values()].map((s) => s.requestsInFlight);
      if (counts.every((n) => n > 0)) break;
    }
    const counts = [...(await perWorker()).values()].map((s) => s.requestsInFlight);
    for (const n of counts) expect(n).toBeGreaterThan(0);
    await eventually(
      async () => expect((await d.topo.client().getAppliance(ID)).connections).toBe(held.length),
      { what: 'connections summed at control', timeoutMs: 15_000, intervalMs: 200 },
    );
    for (const r of held.splice(0)) r.destroy();
    await eventually(async () => expect((await d.topo.client().getAppliance(ID)).connections).toBe(0), {
      what: 'connections closed at control',
      timeoutMs: 15_000,
      intervalMs: 200,
    });
  });

  it('on SIGTERM drains, stops BGP and the agent, and exits 0 with every worker', async () => {
    const pids = [...(await perWorker()).values()].map((s) => s.worker.pid);
    const proc = d.topo.procs.find((p) => p.name === ID && p.child.exitCode === null)!;
    const exited = new Promise<number | null>((r) => proc.child.once('exit', (code) => r(code)));
    proc.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const pid of pids) expect(pidAlive(pid)).toBe(false);
  });
});
