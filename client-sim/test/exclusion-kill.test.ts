// A player that learns, against real processes: the demo's deployment (control, three
// appliances with their BGP feeds) and an audience of viewers from the east client
// network. east-1 is killed -9 mid-run; each viewer that was fetching from it fails at
// most one fetch on it — the failure excludes east-1, and by the time the exclusion ends
// a fresh steer no longer lists it — and goes on from another appliance.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Deployment, playViewers, startDeployment } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionQoe } from '../src/player/qoe.js';

const SITES = [
  { id: 'east-1', site: 'isp-east', address: '127.0.0.61', prefix: '127.64.0.0/16' },
  { id: 'east-2', site: 'isp-east', address: '127.0.0.62', prefix: '127.64.0.0/16' },
  { id: 'west-1', site: 'isp-west', address: '127.0.0.63', prefix: '127.65.0.0/16' },
];
const VICTIM = 'east-1';
const DURATION_SEC = 30;
const KILL_AT_MS = 12_000;
const VIEWERS = 16;

describe('exclusion after an appliance is killed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-exclusion-kill-'));
  let d: Deployment | undefined;

  beforeAll(async () => {
    d = await startDeployment({ dir, appliances: SITES, content: { titles: 2, minutes: 2, seed: 'excl' } });
  }, 90_000);

  afterAll(async () => {
    await d?.topo.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('each affected viewer fails at most one fetch on the dead appliance', async () => {
    const topo = d!.topo;
    let killAt = 0;
    const killer = setTimeout(() => {
      killAt = Date.now();
      topo.kill(VICTIM);
    }, KILL_AT_MS);
    let sessions: SessionQoe[];
    try {
      sessions = await playViewers({
        control: topo.controlUrl,
        catalog: d!.catalog,
        sessions: VIEWERS,
        durationSec: DURATION_SEC,
        // East addresses only (127.64/16): all of them may be steered to the victim.
        addressOf: (i) => `127.64.9.${i + 1}`,
        // Everyone stays to the end and nobody jumps about, so each is there at the kill.
        audience: {
          seed: 'kill',
          watchMeanSec: 10_000,
          watchSigma: 0,
          startupAbandon: false,
          seeksPerMin: 0,
        },
      });
    } finally {
      clearTimeout(killer);
    }
    expect(killAt).toBeGreaterThan(0);
    const rel = (q: SessionQoe) => killAt - q.startedAt;
    const affected = sessions.filter((q) =>
      q.downloads.some((x) => x.applianceId === VICTIM && x.atMs < rel(q) && x.atMs > rel(q) - 15_000),
    );
    expect(affected.length).toBeGreaterThan(0);
    for (const q of sessions) {
      const onVictim = q.failoverMarks.filter((m) => m.from === VICTIM && m.atMs >= rel(q));
      expect(onVictim.length, `${q.id} failed fetches on ${VICTIM}`).toBeLessThanOrEqual(1);
      expect(q.endReason).toBeDefined();
    }
    for (const q of affected) {
      // It went on from another appliance after the kill.
      expect(
        q.downloads.some((x) => x.atMs > rel(q) && x.applianceId !== VICTIM),
        q.id,
      ).toBe(true);
    }
    const failed = sessions.reduce((n, q) => n + q.failedFetches, 0);
    expect(failed).toBe(sessions.reduce((n, q) => n + q.failoverMarks.length, 0));
  }, 120_000);
});
