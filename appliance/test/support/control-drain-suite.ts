// Control's drain order obeyed by a real appliance process, run against one process
// (control-drain.test.ts) and one with --workers 2 (workers-control-drain.test.ts), each in a
// harness deployment (a real `ferry control`, a real `ferry announce` feed): a drain through control's API drains the
// appliance (every worker with --workers 2) and an undrain brings it back; a drain ordered
// on the appliance's own admin listener is the ISP's, and control's undrain leaves it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Deployment, eventually, startDeployment } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminPost, get, json } from './http-client.js';

interface Status {
  state: string;
  worker?: { index: number };
  control?: { drain?: { ordered: unknown; localDrain: boolean } };
}

export interface DrainShape {
  name: string;
  id: string;
  address: string;
  args: string[];
  workers: number;
}

export function controlDrainSuite(shape: DrainShape): void {
  describe(`control drains and undrains an appliance (${shape.name})`, () => {
    let dir: string;
    let d: Deployment;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ferry-control-drain-'));
      d = await startDeployment({
        dir,
        appliances: [{ id: shape.id, site: 'isp-d', address: shape.address, prefix: '127.0.0.0/8' }],
        content: { titles: 1, minutes: 1, seed: 'drain' },
        applianceArgs: shape.args,
      });
    }, 120_000);

    afterAll(async () => {
      await d?.topo.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const adminUrl = () => d.topo.applianceAdminUrls.get(shape.id)!;
    /** Every worker's state (one status per process; workers answer in turn). */
    const states = async (): Promise<Map<number, Status>> => {
      const seen = new Map<number, Status>();
      for (let i = 0; i < 20 && seen.size < shape.workers; i++) {
        const s = json(await get(`${adminUrl()}/v1/status`)) as unknown as Status;
        seen.set(s.worker?.index ?? 0, s);
      }
      expect(seen.size).toBe(shape.workers);
      return seen;
    };
    const expectState = (want: string[]) =>
      eventually(
        async () => {
          for (const s of (await states()).values()) expect(want).toContain(s.state);
        },
        { what: `every worker ${want.join(' or ')}`, timeoutMs: 15_000, intervalMs: 100 },
      );
    /** URLs steering gives a viewer: 0 when control answers that no appliance can serve. */
    const viewerStatus = async () => {
      try {
        const steer = await d.topo.client().steer(d.catalog.titles[0]!.id);
        return steer.streams[0]!.urls.length;
      } catch (err) {
        if ((err as { errorCode?: string }).errorCode === 'FERRY_ERR_NO_APPLIANCE') return 0;
        throw err;
      }
    };

    it('has turned up: every worker answers the primary’s passed report', async () => {
      for (let i = 0; i < shape.workers * 2; i++) {
        const r = json(await get(`${adminUrl()}/v1/turnup`)) as unknown as {
          passed: boolean;
          checks: unknown[];
        };
        expect(r.passed, JSON.stringify(r.checks)).toBe(true);
      }
      expect((await d.topo.client().getAppliance(shape.id)).turnup?.passed).toBe(true);
    });

    it('drains on control’s order and serves again on its undrain', async () => {
      const client = d.topo.client();
      expect(await viewerStatus()).toBe(1);
      const view = await client.drainAppliance(shape.id, 'test drain');
      expect(view).toMatchObject({ draining: true, drain: { reason: 'test drain', by: 'harness' } });
      // Out of steering at once: the answer right after the call names no appliance.
      expect(await viewerStatus()).toBe(0);
      await expectState(['draining', 'drained']);
      await eventually(
        async () =>
          expect(['draining', 'drained']).toContain((await client.getAppliance(shape.id)).reportedState),
        {
          timeoutMs: 10_000,
        },
      );
      const s = [...(await states()).values()][0]!;
      if (shape.workers === 1)
        expect(s.control?.drain?.ordered).toEqual({ cause: 'operator', reason: 'test drain' });
      await client.undrainAppliance(shape.id);
      await expectState(['serving']);
      await eventually(async () => expect((await client.getAppliance(shape.id)).health).toBe('healthy'), {
        timeoutMs: 15_000,
        intervalMs: 200,
      });
      expect(await viewerStatus()).toBe(1);
    });

    it('leaves a local drain in force when control lifts its own', async () => {
      const client = d.topo.client();
      expect((await adminPost(`${adminUrl()}/v1/drain`)).status).toBe(202);
      await expectState(['draining', 'drained']);
      await client.drainAppliance(shape.id, 'both');
      await eventually(
        async () =>
          expect(['draining', 'drained']).toContain((await client.getAppliance(shape.id)).reportedState),
        { timeoutMs: 10_000 },
      );
      await client.undrainAppliance(shape.id);
      // A few heartbeats without the order: the appliance stays drained.
      await new Promise((r) => setTimeout(r, 3000));
      for (const st of (await states()).values()) expect(['draining', 'drained']).toContain(st.state);
      expect((await adminPost(`${adminUrl()}/v1/undrain`)).status).toBe(200);
      await expectState(['serving']);
    });
  });
}
