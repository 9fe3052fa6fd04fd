// `ferry appliance check` against real appliances: one line per check with ✓ or ✗, the detail
// and a fix under each failure; exit 0 when all pass, 1 when one fails (an empty store: no
// test range), 2 when the admin listener cannot be reached; --json prints the report.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContentStore, embeddedConfig, type RunningAppliance, startAppliance } from '@ferry/appliance';
import { freePort } from '@ferry/harness';
import { TURNUP_CHECKS } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFerry } from './support/run-ferry.js';

const ferry = (args: string[]) => runFerry(args, { timeoutMs: 60_000 });

const admin = (a: RunningAppliance) => `${a.adminAddress.host}:${a.adminAddress.port}`;

describe('ferry appliance check', () => {
  let dir: string;
  let full: RunningAppliance;
  let empty: RunningAppliance;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-check-'));
    const fullStore = join(dir, 'store-full');
    const store = ContentStore.open([fullStore]);
    writeFileSync(join(dir, 'f-a'), Buffer.alloc(40_000, 7));
    await store.add(join(dir, 'f-a'), 'f-a');
    store.close();
    full = await startAppliance(embeddedConfig({ id: 'check-full', stores: [fullStore] }));
    empty = await startAppliance(embeddedConfig({ id: 'check-empty', stores: [join(dir, 'store-empty')] }));
  });

  afterAll(async () => {
    await full?.stop();
    await empty?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prints ✓ for every check and exits 0 when all pass', async () => {
    const r = await ferry(['appliance', 'check', '--admin', admin(full)]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, TURNUP_CHECKS.length).map((l) => l.split(/\s+/).slice(0, 2))).toEqual(
      TURNUP_CHECKS.map((name) => ['✓', name]),
    );
    expect(lines[2]).toMatch(/^✓ keys\s+open: no tokens$/);
    expect(lines.at(-1)).toMatch(/^turn-up: all 6 checks pass \(.+Z\); control may steer viewers here$/);
  });

  it('prints ✗ with the detail and a fix, and exits 1, when a check fails', async () => {
    const r = await ferry(['appliance', 'check', '--admin', admin(empty)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✗ test-range\s+no content held yet$/m);
    expect(r.stdout).toMatch(/^\s+fix: hold at least one file/m);
    expect(r.stdout).toMatch(
      /turn-up: 5 of 6 checks pass .*; control does not steer viewers here until all do/,
    );
    const j = await ferry(['appliance', 'check', '--admin', admin(empty), '--json']);
    expect(j.code).toBe(1);
    const report = JSON.parse(j.stdout);
    expect(report).toMatchObject({
      passed: false,
      fixes: { 'test-range': expect.stringMatching(/^hold at least/) },
    });
    expect(report.checks).toHaveLength(6);
  });

  it('exits 2 when the appliance cannot be reached', async () => {
    const port = await freePort('127.0.0.1');
    const r = await ferry(['appliance', 'check', '--admin', `127.0.0.1:${port}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `ferry: cannot reach the appliance's admin listener at http://127.0.0.1:${port}/v1/turnup?run=1: ECONNREFUSED\n`,
    );
    expect(r.stdout).toBe('');
  });
});
