// `ferry status` against a real control with two real appliances in two sites (heartbeats,
// BGP feeds): the table sorted by site and id, with health, state, load of capacity, routes,
// files and the heartbeat's age; --json as control answered. The appliances' --capacity
// (from their config file) reaches control, and a SIGHUP after the file changes reports the
// new one. A killed appliance shows as unhealthy, with why.
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Topology, waitUntil, writeDemoKeys } from '@ferry/harness';
import type { ApplianceList } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFerry } from './support/run-ferry.js';

const ferry = (args: string[], extraEnv: Record<string, string> = {}) => runFerry(args, { extraEnv });

function writeConfig(path: string, settings: Record<string, unknown>): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(settings));
  renameSync(`${path}.tmp`, path);
}

describe('ferry status', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-status-'));
  // One config file for both: the topology passes its own flags, the file adds --capacity.
  const config = join(dir, 'appliance.json');
  const t = new Topology(dir, { applianceArgs: ['--config', config] });
  // Waits ask control directly (one CLI start costs seconds); the checks run the CLI.
  const fleet = (): Promise<ApplianceList> => t.client().listFleet();

  beforeAll(async () => {
    const keys = writeDemoKeys(dir);
    await t.startControl(keys);
    writeConfig(config, { capacity: '2500Mb/s' });
    const specs = [
      { id: 'west-1', site: 'west', address: '127.0.0.21', prefix: '10.21.0.0/16' },
      { id: 'east-1', site: 'east', address: '127.0.0.11', prefix: '10.11.0.0/16' },
    ];
    for (const s of specs) {
      const store = join(dir, `store-${s.id}`);
      mkdirSync(store, { recursive: true });
      await t.startAppliance({ ...s, store }, keys);
    }
    await waitUntil(
      async () => {
        const f = await fleet();
        return f.appliances.length === 2 && f.appliances.every((a) => a.health === 'healthy' && a.routes > 0);
      },
      { what: 'both appliances healthy with routes', timeoutMs: 30_000, intervalMs: 300 },
    );
  }, 120_000);

  afterAll(async () => {
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the fleet as a table sorted by site and id', async () => {
    const r = await ferry(['status', '--control', t.controlUrl, '--token', t.operatorToken]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^SITE\s+ID\s+HEALTH\s+WHY\s+STATE\s+ADMIN\s+LOAD Mb\/s\s+CONNS\s+ROUTES\s+FILES\s+DISK\s+VERSION\s+HEARTBEAT$/,
    );
    expect(lines[1]).toMatch(
      /^east\s+east-1\s+healthy\s+\S.*\s+serving\s+-\s+\d+(\.\d)?\/2500\s+\d+\s+1\s+0\s+\S+\s+0\.1\.0\s+\d+ s ago$/,
    );
    expect(lines[2]).toMatch(/^west\s+west-1\s+healthy\s+.*\/2500\s+/);
    expect(lines[3]).toBe('2 appliances: 2 healthy');
    const j = await ferry(['status', '--control', t.controlUrl, '--json'], { FERRY_TOKEN: t.operatorToken });
    expect(j.code).toBe(0);
    const answer = JSON.parse(j.stdout) as ApplianceList;
    expect(answer.appliances.map((x) => x.id).sort()).toEqual(['east-1', 'west-1']);
  });

  it('asks for a token before calling control', async () => {
    const r = await ferry(['status', '--control', t.controlUrl], { FERRY_TOKEN: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "ferry: an operator token (role viewer or higher) is required: --token TOKEN or FERRY_TOKEN\nSee 'ferry status --help'.\n",
    );
  });

  it('reports the capacity of a config file reread on SIGHUP', async () => {
    expect((await fleet()).appliances.find((a) => a.id === 'west-1')!.capacityBps).toBe(2.5e9);
    writeConfig(config, { capacity: '4Gb/s' });
    const west = t.procs.find((p) => p.name === 'west-1')!;
    process.kill(west.child.pid!, 'SIGHUP');
    await waitUntil(
      async () => (await fleet()).appliances.find((a) => a.id === 'west-1')!.capacityBps === 4e9,
      {
        what: 'control sees 4 Gb/s',
        timeoutMs: 15_000,
        intervalMs: 300,
      },
    );
    const r = await ferry(['status', '--control', t.controlUrl, '--token', t.operatorToken]);
    expect(r.stdout).toMatch(/west-1\s+healthy.*\/4000\s/);
    // Only the appliance that had the signal read the file again.
    expect(r.stdout).toMatch(/east-1\s+healthy.*\/2500\s/);
    expect(west.child.exitCode).toBeNull();
  });

  it('shows a killed appliance as unhealthy, with why', async () => {
    const east = t.procs.find((p) => p.name === 'east-1')!;
    process.kill(east.child.pid!, 'SIGKILL');
    await waitUntil(
      async () => (await fleet()).appliances.find((a) => a.id === 'east-1')!.health !== 'healthy',
      {
        what: 'east-1 unhealthy',
        timeoutMs: 15_000,
        intervalMs: 300,
      },
    );
    const r = await ferry(['status', '--control', t.controlUrl, '--token', t.operatorToken]);
    const row = r.stdout.split('\n').find((l) => l.startsWith('east'))!;
    const view = (await fleet()).appliances.find((a) => a.id === 'east-1')!;
    expect(row).toContain(view.health);
    expect(view.healthReason.length).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/2 appliances: .*1 healthy/);
  });
});
