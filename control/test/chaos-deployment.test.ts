// Chaos end to end on a real deployment: `ferry control` with a chaos key, two `ferry
// appliance --chaos on` processes with their BGP feeds, and a viewer fetching a signed URL
// from its own client network. `ferry chaos run --kind latency` makes the viewer wait,
// `ferry chaos abort` ends it, and control's record and event log follow each step; a kill
// through control ends the appliance with the chaos exit code and the topology restarts it;
// and a fault whose control is killed ends by its lease.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Deployment, eventually, startDeployment } from '@ferry/harness';
import { CHAOS_KILL_EXIT_CODE } from '@ferry/protocol';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ferryRun } from './support/ferry-cli.js';

const VIEWER = '127.66.0.7';
const APPLIANCES = [
  { id: 'lab-1', site: 'lab', address: '127.0.0.51', prefix: '127.66.0.0/16' },
  { id: 'lab-2', site: 'lab', address: '127.0.0.52', prefix: '127.66.0.0/16' },
];
const DELAY_MS = 600;
const LEASE_MS = 3000;

describe('chaos on a running deployment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-chaos-e2e-'));
  const viewer = new Agent({ localAddress: VIEWER, keepAliveTimeout: 1000 });
  let d: Deployment;
  let url = '';

  /** ms until the response headers of a 1 KiB range, as the viewer sees them */
  const firstByteMs = async () => {
    const t0 = performance.now();
    const res = await request(url, { headers: { range: 'bytes=0-1023' }, dispatcher: viewer });
    const ms = performance.now() - t0;
    await res.body.arrayBuffer();
    expect(res.statusCode).toBe(206);
    return ms;
  };
  const median = async (n: number) => {
    const xs: number[] = [];
    for (let i = 0; i < n; i++) xs.push(await firstByteMs());
    return xs.sort((a, b) => a - b)[Math.floor(n / 2)]!;
  };
  const chaos = (...args: string[]) =>
    ferryRun(['chaos', ...args, '--control', d.topo.controlUrl], { FERRY_TOKEN: d.topo.operatorToken });

  /** `ferry chaos run --kind latency` on lab-1 for `sec` seconds */
  const latencyOnLab1 = (sec: number) =>
    chaos(
      'run',
      '--kind',
      'latency',
      '--appliance',
      'lab-1',
      '--duration',
      String(sec),
      '--delay-ms',
      String(DELAY_MS),
    );

  beforeAll(async () => {
    d = await startDeployment({
      dir,
      appliances: APPLIANCES,
      content: { titles: 1, minutes: 1, seed: 'chaos-e2e' },
      chaos: true,
      restartKilledAfterMs: 500,
      // Two appliances in the site: one of them is half its capacity.
      // A short lease, so the last test sees a fault outlive control by no more than that.
      controlArgs: ['--chaos-max-site-share', '0.5', '--chaos-lease-ms', String(LEASE_MS)],
    });
    // The viewer's own steering answer: a URL signed for its network, on lab-1.
    const res = await request(`${d.topo.controlUrl}/v1/steer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ titleId: d.catalog.titles[0]!.id }),
      dispatcher: viewer,
    });
    const answer = (await res.body.json()) as { streams: { urls: { applianceId: string; url: string }[] }[] };
    expect(res.statusCode, JSON.stringify(answer)).toBe(200);
    url = answer.streams.flatMap((s) => s.urls).find((u) => u.applianceId === 'lab-1')!.url;
  }, 90_000);

  afterAll(async () => {
    await d?.topo.stop();
    await viewer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ferry chaos run --kind latency delays what a viewer fetches, and abort reverts it', async () => {
    const before = await median(5);
    expect(before).toBeLessThan(DELAY_MS / 2);

    const run = await latencyOnLab1(60);
    expect(run.code, run.stderr).toBe(0);
    const id = /experiment (\S+) running on lab-1/.exec(run.stderr)?.[1];
    expect(id, run.stderr).toBeDefined();

    // The fault arrives with the next heartbeat reply; then every response waits (±20 %).
    await eventually(async () => expect(await firstByteMs()).toBeGreaterThan(DELAY_MS * 0.8), {
      timeoutMs: 10_000,
    });
    const during = await median(5);
    expect(during - before).toBeGreaterThan(DELAY_MS * 0.8);
    expect(during - before).toBeLessThan(DELAY_MS * 1.2);

    const abort = await chaos('abort', id!);
    expect(abort.code, abort.stderr).toBe(0);
    await eventually(async () => expect(await firstByteMs()).toBeLessThan(DELAY_MS / 2), {
      timeoutMs: 10_000,
    });

    // Control's record: aborted, applied and reverted on lab-1 as the appliance reported.
    const list = await chaos('list');
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+aborted\\s+latency\\s+lab-1`));
    await eventually(async () => {
      const e = await d.topo.client().getChaos(id!);
      expect(e.applied?.['lab-1']?.sinceMs).toBeGreaterThan(0);
      expect(e.applied?.['lab-1']?.revertedAtMs).toBeGreaterThan(0);
    });
    const { events } = await d.topo.client().events({ experiment: id!, limit: 100 });
    const kinds = events.map((e) => e.kind);
    for (const step of ['chaos-planned', 'chaos-started', 'chaos-applied', 'chaos-aborted', 'chaos-reverted'])
      expect(kinds, JSON.stringify(events)).toContain(step);
  }, 60_000);

  it('a kill through control ends the appliance with the chaos exit code; it comes back', async () => {
    const run = await chaos('run', '--kind', 'kill', '--appliance', 'lab-2', '--duration', '5');
    expect(run.code, run.stderr).toBe(0);
    await eventually(
      () => expect(d.topo.exits.find((x) => x.id === 'lab-2')?.code).toBe(CHAOS_KILL_EXIT_CODE),
      {
        timeoutMs: 10_000,
      },
    );
    // Restarted by the topology as a supervisor would: control sees the new boot (the fault
    // is over for it), health returns, and the running experiment does not kill it again.
    const id = /experiment (\S+) running on lab-2/.exec(run.stderr)?.[1];
    expect(id, run.stderr).toBeDefined();
    await eventually(
      async () =>
        expect((await d.topo.client().getChaos(id!)).applied?.['lab-2']?.revertedAtMs).toBeGreaterThan(0),
      { timeoutMs: 30_000 },
    );
    await eventually(
      async () => expect((await d.topo.client().getAppliance('lab-2')).health).toBe('healthy'),
      {
        timeoutMs: 30_000,
      },
    );
    // a few heartbeats of the new boot while the experiment still runs
    await new Promise((r) => setTimeout(r, 2000));
    expect(d.topo.exits.filter((x) => x.id === 'lab-2')).toHaveLength(1);
  }, 60_000);

  it('a fault ends by its lease when control is killed mid-experiment', async () => {
    const run = await latencyOnLab1(120);
    expect(run.code, run.stderr).toBe(0);
    await eventually(async () => expect(await firstByteMs()).toBeGreaterThan(DELAY_MS * 0.8), {
      timeoutMs: 10_000,
    });
    d.topo.kill('control');
    const killedAt = performance.now();
    await eventually(async () => expect(await firstByteMs()).toBeLessThan(DELAY_MS / 2), {
      timeoutMs: LEASE_MS + 10_000,
    });
    // Not before the lease: until then the appliance had no word that control was gone.
    expect(performance.now() - killedAt).toBeGreaterThan(LEASE_MS - 1500);
  }, 60_000);
});
