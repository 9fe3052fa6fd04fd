// `ferry appliance --workers 2` with BGP, control, chaos and fill, as a real install runs it:
// a real BIRD 2 feeds the primary's one BGP speaker, the primary's one agent reports to a
// control (FakeControl signing chaos orders, support/chaos-control.ts) and its one filler
// fetches from a directory origin, while both workers serve. Each worker's own /v1/status
// (new connections are handed to the workers in turn) shows what it served and applies:
// routes, summed heartbeats, fill and eviction, chaos errors, disk, throttle and kill faults,
// isolation, drains, and a worker restarted mid-fault.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bird, eventually, freePort, pidAlive } from '@ferry/harness';
import type { Heartbeat } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityKey } from '../src/identity/identity-key.js';
import { ContentStore } from '../src/store/store.js';
import { testBytes } from './support/appliance-fixture.js';
import { type RunningAppliance, startApplianceProcess } from './support/appliance-process.js';
import { ChaosControl } from './support/chaos-control.js';
import { manifestFile, manifestOf, origin } from './support/fill-fixture.js';
import { adminPost, get, json } from './support/http-client.js';

const FERRY_ADDR = '127.0.0.111';
const BIRD_ADDR = '127.0.0.112';
const FERRY_AS = 65111;
const BIRD_AS = 65112;
const ID = 'workers-app';
const PREFIXES = ['10.111.0.0/16', '10.112.4.0/24'];

interface WorkerStatus {
  state: string;
  worker: { index: number; count: number; pid: number };
  responses: { total: number; failed: number };
  store: { files: number; disks: { id: string; state: string }[] };
  isolated: boolean;
  bgp?: { sessions: { state: string }[]; routes: number };
  control?: { isolated: boolean };
  chaos: { mode: string; active: { experimentId: string }[] };
  fill: { mode: string; evicting?: { fileId: string; inFlight: number }[] };
  workers: { index: number; pid: number; state: string; requestsInFlight: number }[];
}

describe('ferry appliance --workers 2 with BGP, control, chaos and fill', () => {
  let dir: string;
  let control: ChaosControl;
  let bird: Bird;
  let app: RunningAppliance;
  // Large enough that a download the test does not read stays in flight (socket buffers full).
  const clip = testBytes(48 * 1024 * 1024, 'clip');
  const fresh = testBytes(50_000, 'fresh');

  /** Each worker's /v1/status, by index (new connections until both have answered). */
  const perWorker = async (): Promise<Map<number, WorkerStatus>> => {
    const seen = new Map<number, WorkerStatus>();
    for (let i = 0; i < 20 && seen.size < 2; i++) {
      const s = json(await get(`${app.adminUrl}/v1/status`)) as unknown as WorkerStatus;
      seen.set(s.worker.index, s);
    }
    expect(seen.size).toBe(2);
    return seen;
  };
  const lastHeartbeat = (): Heartbeat => {
    const hb = control.fake.heartbeats.at(-1);
    if (!hb) throw new Error('no heartbeat yet');
    return hb.body;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-workers-'));
    const store = join(dir, 'store');
    const originDir = join(dir, 'origin');
    const s = ContentStore.open([store]);
    writeFileSync(join(dir, 'clip'), clip);
    await s.add(join(dir, 'clip'), 'clip');
    s.close();
    // The origin holds both; control's manifest wants both, so fill fetches only `fresh`.
    mkdirSync(originDir);
    writeFileSync(join(originDir, 'clip'), clip);
    writeFileSync(join(originDir, 'fresh'), fresh);
    const identity = join(dir, 'identity');
    await createIdentityKey(identity);

    control = await new ChaosControl().start();
    control.fake.manifests.set(
      ID,
      manifestOf(ID, [
        manifestFile('clip', clip, [origin('clip')]),
        manifestFile('fresh', fresh, [origin('fresh')]),
      ]),
    );
    const bgpPort = await freePort(FERRY_ADDR);
    bird = await Bird.start({
      localAddress: BIRD_ADDR,
      localPort: await freePort(BIRD_ADDR),
      localAs: BIRD_AS,
      neighborAddress: FERRY_ADDR,
      neighborPort: bgpPort,
      neighborAs: FERRY_AS,
      routes4: PREFIXES,
      routes6: [],
    });
    app = await startApplianceProcess(
      [
        '--id',
        ID,
        '--listen',
        `${FERRY_ADDR}:0`,
        '--store',
        store,
        '--open',
        '--access-log',
        'off',
        '--workers',
        '2',
        '--bgp-listen',
        `${FERRY_ADDR}:${bgpPort}`,
        '--asn',
        String(FERRY_AS),
        '--peer-asn',
        String(BIRD_AS),
        '--bgp-peer',
        BIRD_ADDR,
        '--control',
        control.url,
        '--identity-key',
        identity,
        '--chaos',
        'on',
        '--chaos-verify-key',
        control.publicKey,
        '--fill',
        'on',
        '--origin',
        `dir:${originDir}`,
        '--fill-manifest-interval',
        '1',
        // Short enough to test isolation, long enough that a slow moment does not isolate.
        '--control-grace',
        '5',
        '--evict-grace-sec',
        '0',
      ],
      30_000,
    );
  }, 60_000);

  afterAll(async () => {
    if (app && app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGKILL');
    await bird?.stop();
    await control?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("routes from BIRD reach every worker's /v1/routes and control; every worker shows the one session", async () => {
    await eventually(
      async () => {
        const body = json(await get(`${app.adminUrl}/v1/routes`));
        const got = (body.routes as { prefix: string }[]).map((r) => r.prefix).sort();
        expect(got).toEqual(PREFIXES);
      },
      { what: 'routes from BIRD', timeoutMs: 30_000, intervalMs: 200 },
    );
    for (const s of (await perWorker()).values()) {
      expect(s.bgp?.sessions.map((x) => x.state)).toEqual(['Established']);
      expect(s.bgp?.routes).toBe(2);
      expect(s.workers.map((w) => w.index)).toEqual([0, 1]);
      expect(s.control?.isolated).toBe(false);
    }
    await eventually(
      () => {
        const seen = new Set<string>();
        for (const { body } of control.fake.heartbeats) {
          const r = body.routes;
          for (const route of r?.kind === 'snapshot' ? r.routes : (r?.announced ?? []))
            seen.add(route.prefix);
        }
        expect([...seen].sort()).toEqual(PREFIXES);
      },
      { what: 'routes in heartbeats', timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(await bird.sessionInfo()).toBe('Established');
  });

  it("sums both workers' responses, bytes served and load into the one heartbeat", async () => {
    for (let i = 0; i < 10; i++) {
      expect((await get(`${app.url}/v1/c/clip`, { Range: 'bytes=0-99' })).status).toBe(206);
    }
    const workers = await perWorker();
    // Both served: the primary hands new connections to the workers in turn.
    for (const s of workers.values()) expect(s.responses.total).toBeGreaterThan(0);
    const total = [...workers.values()].reduce((n, s) => n + s.responses.total, 0);
    expect(total).toBeGreaterThanOrEqual(10);
    await eventually(
      () => {
        expect(lastHeartbeat().responses).toEqual({ total, failed: 0 });
        const served = control.fake.heartbeats
          .flatMap((hb) => hb.body.served ?? [])
          .filter((e) => e.fileId === 'clip')
          .reduce((n, e) => n + e.bytes, 0);
        expect(served).toBe(total * 100);
        expect(control.fake.heartbeats.some((hb) => hb.body.load.bitsPerSecond > 0)).toBe(true);
      },
      { what: 'summed heartbeat', timeoutMs: 15_000, intervalMs: 100 },
    );
  });

  it('a file the primary fills is served by both workers', async () => {
    await eventually(
      async () => {
        for (const s of (await perWorker()).values()) expect(s.store.files).toBe(2);
      },
      { what: 'fresh filled and seen by both workers', timeoutMs: 30_000, intervalMs: 200 },
    );
    for (let i = 0; i < 4; i++) {
      const r = await get(`${app.url}/v1/c/fresh`);
      expect(r.status).toBe(200);
      expect(r.body.equals(fresh)).toBe(true);
    }
    await eventually(
      () => {
        const inv = control.fake.heartbeats.map((hb) => hb.body.inventory);
        const files = new Set<string>();
        for (const i of inv) {
          if (i?.kind === 'full') for (const f of i.files) files.add(f);
          if (i?.kind === 'delta') for (const f of i.added) files.add(f);
        }
        expect(files.has('fresh')).toBe(true);
      },
      { what: 'fresh in the inventory', timeoutMs: 15_000, intervalMs: 100 },
    );
  });

  it('a chaos errors fault reaches content served by every worker, and its end too', async () => {
    const before = await perWorker();
    control.want({ experimentId: 'errs', kind: 'errors', params: { fraction: 1 }, durationMs: 60_000 });
    await eventually(
      async () => {
        for (const s of (await perWorker()).values()) {
          expect(s.chaos.active.map((r) => r.experimentId)).toEqual(['errs']);
        }
      },
      { what: 'fault running', timeoutMs: 15_000, intervalMs: 100 },
    );
    for (let i = 0; i < 8; i++) expect((await get(`${app.url}/v1/c/clip`)).status).toBe(503);
    const after = await perWorker();
    for (const [index, s] of after) {
      expect(s.responses.failed).toBeGreaterThan(before.get(index)!.responses.failed);
    }
    // A worker that dies is restarted by the primary and takes the running fault at once.
    const killed = after.get(0)!.worker.pid;
    process.kill(killed, 'SIGKILL');
    await eventually(
      async () => {
        const now = await perWorker();
        expect(now.get(0)!.worker.pid).not.toBe(killed);
        expect(now.get(0)!.responses.total).toBe(0);
      },
      { what: 'worker 0 restarted', timeoutMs: 15_000, intervalMs: 200 },
    );
    for (let i = 0; i < 6; i++) expect((await get(`${app.url}/v1/c/clip`)).status).toBe(503);
    for (const s of (await perWorker()).values()) expect(s.responses.failed).toBeGreaterThan(0);
    control.drop('errs');
    await eventually(
      async () => {
        for (let i = 0; i < 4; i++) {
          expect((await get(`${app.url}/v1/c/clip`, { Range: 'bytes=0-9' })).status).toBe(206);
        }
      },
      { what: 'fault reverted in every worker', timeoutMs: 15_000, intervalMs: 200 },
    );
  });

  it("/metrics sums both workers and shows the primary's BGP series once", async () => {
    const workers = await perWorker();
    const text = (await get(`${app.adminUrl}/metrics`)).body.toString();
    const responses = [...text.matchAll(/^ferry_responses_total\{status="(\d+)"\} (\d+)$/gm)].reduce(
      (n, m) => n + Number(m[2]),
      0,
    );
    const total = [...workers.values()].reduce((n, s) => n + s.responses.total, 0);
    expect(responses).toBe(total);
    expect(text.match(/^# TYPE ferry_bgp_prefixes /gm)).toHaveLength(1);
    expect(text).toMatch(
      new RegExp(`^ferry_bgp_session_state\\{[^}]*peer="${BIRD_ADDR.replace(/\./g, '\\.')}"[^}]*\\} 5$`, 'm'),
    );
    const injected = /^ferry_appliance_chaos_injected_total\{kind="errors"\} (\d+)$/m.exec(text);
    expect(Number(injected?.[1])).toBeGreaterThanOrEqual(8);
    expect(text).toMatch(/^ferry_store_files\{disk="[^"]+"\} 2$/m);
  });

  it('drains and undrains every worker, and control hears the state', async () => {
    expect((await adminPost(`${app.adminUrl}/v1/drain`)).status).toBe(202);
    for (const s of (await perWorker()).values()) expect(s.state).not.toBe('serving');
    for (let i = 0; i < 4; i++) expect((await get(`${app.url}/v1/c/clip`)).status).toBe(503);
    await eventually(() => expect(lastHeartbeat().state).not.toBe('serving'), {
      what: 'draining heartbeat',
      timeoutMs: 15_000,
      intervalMs: 100,
    });
    expect((await adminPost(`${app.adminUrl}/v1/undrain`)).status).toBe(200);
    for (const s of (await perWorker()).values()) expect(s.state).toBe('serving');
    await eventually(() => expect(lastHeartbeat().state).toBe('serving'), {
      what: 'serving heartbeat',
      timeoutMs: 15_000,
      intervalMs: 100,
    });
  });

  it('a chaos disk fault fails the disk in every worker, and its end restores it', async () => {
    control.want({ experimentId: 'disk', kind: 'disk', durationMs: 60_000 });
    await eventually(
      async () => {
        for (const s of (await perWorker()).values())
          expect(s.store.disks.map((d) => d.state)).toEqual(['failed']);
      },
      { what: 'disk failed in both workers', timeoutMs: 15_000, intervalMs: 100 },
    );
    for (let i = 0; i < 4; i++) expect((await get(`${app.url}/v1/c/clip`)).status).toBe(404);
    control.drop('disk');
    await eventually(
      async () => {
        for (const s of (await perWorker()).values())
          expect(s.store.disks.map((d) => d.state)).toEqual(['ok']);
      },
      { what: 'disk back in both workers', timeoutMs: 15_000, intervalMs: 100 },
    );
    for (let i = 0; i < 4; i++)
      expect((await get(`${app.url}/v1/c/clip`, { Range: 'bytes=0-9' })).status).toBe(206);
  });

  it('isolated from control, every worker refuses new sessions; once control answers, serves again', async () => {
    control.fake.mode = 'fail';
    await eventually(
      async () => {
        for (const s of (await perWorker()).values()) expect(s.isolated).toBe(true);
      },
      { what: 'both workers isolated', timeoutMs: 20_000, intervalMs: 200 },
    );
    // --open: no token can show control issued the URL, so every new session is refused.
    for (let i = 0; i < 4; i++) expect((await get(`${app.url}/v1/c/clip`)).status).toBe(503);
    control.fake.mode = 'ok';
    await eventually(
      async () => {
        for (const s of (await perWorker()).values()) expect(s.isolated).toBe(false);
      },
      { what: 'both workers back', timeoutMs: 20_000, intervalMs: 200 },
    );
    for (let i = 0; i < 4; i++)
      expect((await get(`${app.url}/v1/c/clip`, { Range: 'bytes=0-9' })).status).toBe(206);
  });

  it("a chaos throttle slows every worker's bodies, each to its share of the appliance's cap", async () => {
    const before = await perWorker();
    // 4 MB/s for the appliance: 2 MB/s for each of the two workers.
    control.want({
      experimentId: 'slow',
      kind: 'throttle',
      params: { bytesPerSec: 4_000_000 },
      durationMs: 60_000,
    });
    await eventually(
      async () => {
        for (const s of (await perWorker()).values()) {
          expect(s.chaos.active.map((r) => r.experimentId)).toEqual(['slow']);
        }
      },
      { what: 'throttle running', timeoutMs: 15_000, intervalMs: 100 },
    );
    // One 4 MB range per worker (new connections alternate between them), one after the other.
    for (let i = 0; i < 2; i++) {
      const started = performance.now();
      const r = await get(`${app.url}/v1/c/clip`, { Range: 'bytes=0-3999999' }, 'GET', 30_000);
      expect(r.status).toBe(206);
      expect(r.body.length).toBe(4_000_000);
      // At 2 MB/s less one burst, at least ~1.5 s; a busy machine only makes it slower.
      expect(performance.now() - started).toBeGreaterThan(1200);
    }
    for (const [index, s] of await perWorker()) {
      expect(s.responses.total).toBeGreaterThan(before.get(index)!.responses.total);
    }
    control.drop('slow');
    await eventually(
      async () => {
        for (const s of (await perWorker()).values()) expect(s.chaos.active).toEqual([]);
      },
      { what: 'throttle reverted', timeoutMs: 15_000, intervalMs: 100 },
    );
  });

  it('the evictor waits while any worker sends a file control dropped; then no worker serves it', async () => {
    const held = request(`${app.url}/v1/c/clip`, { agent: false });
    const answered = new Promise<number>((resolve, reject) => {
      held.on('response', (res) => {
        res.pause();
        resolve(res.statusCode ?? 0);
      });
      held.on('error', reject);
    });
    held.end();
    try {
      expect(await answered).toBe(200);
      // The primary hears of the body from the worker's next report (every 250 ms, later on a
      // busy machine); its heartbeats count that report's connections. Once one shows the
      // body, the evictor knows it too, so the manifest that drops the file changes now.
      const from = control.fake.heartbeats.length;
      await eventually(
        () => control.fake.heartbeats.slice(from).some(({ body }) => body.load.connections >= 1),
        { what: 'the primary counting the body in flight', timeoutMs: 15_000, intervalMs: 50 },
      );
      control.fake.manifests.set(
        ID,
        manifestOf(ID, [manifestFile('fresh', fresh, [origin('fresh')])], { version: 2 }),
      );
      // The primary's evictor knows the body is in flight from the worker's report.
      await eventually(
        async () => {
          const s = json(await get(`${app.adminUrl}/v1/status`)) as unknown as WorkerStatus;
          expect(s.fill.evicting).toEqual([{ fileId: 'clip', dueAtMs: expect.any(Number), inFlight: 1 }]);
        },
        { what: 'eviction waiting for the body in flight', timeoutMs: 15_000, intervalMs: 100 },
      );
      for (const s of (await perWorker()).values()) expect(s.store.files).toBe(2);
    } finally {
      held.destroy();
    }
    await eventually(
      async () => {
        for (const s of (await perWorker()).values()) expect(s.store.files).toBe(1);
      },
      { what: 'clip gone from both workers', timeoutMs: 15_000, intervalMs: 100 },
    );
    for (let i = 0; i < 4; i++) expect((await get(`${app.url}/v1/c/clip`)).status).toBe(404);
  });

  it('a chaos kill ends the primary and every worker with exit code 86', async () => {
    const pids = [...(await perWorker()).values()].map((s) => s.worker.pid);
    control.want({ experimentId: 'kill', kind: 'kill', durationMs: 60_000 });
    const code = await Promise.race([
      app.exited,
      new Promise<string>((r) => setTimeout(r, 20_000, 'still running')),
    ]);
    expect(code).toBe(86);
    await eventually(() => expect(pids.filter(pidAlive)).toEqual([]), {
      what: 'workers gone',
      timeoutMs: 5000,
      intervalMs: 50,
    });
  });
});
