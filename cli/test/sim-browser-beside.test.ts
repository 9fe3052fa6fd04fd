// `ferry sim --browser-sessions N`: real browser players (hls.js/dash.js in Chromium) play at
// the same time as the simulated fleet, against one deployment with a real-media title, and
// each kind gets its own report. Needs ffmpeg and /usr/bin/chromium.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Deployment, startDeployment } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = join(import.meta.dirname, '../bin/ferry.js');

let dir = '';
let dep: Deployment | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-sim-beside-'));
  dep = await startDeployment({
    dir,
    // The simulated viewers and the browser both come from 127.0.0.1.
    appliances: [{ id: 'bs-1', site: 'beside', address: '127.0.0.95', prefix: '127.0.0.0/24' }],
    content: { titles: 1, minutes: 0.5, seed: 'beside', media: { ladder: ['240p'] } },
  });
}, 240_000);

afterAll(async () => {
  await dep?.topo.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('ferry sim --browser-sessions', () => {
  it('runs browser players beside the simulated fleet, each kind with its report', async () => {
    const titleId = dep!.catalog.titles[0]!.id;
    const report = join(dir, 'run.html');
    const child = spawn(
      process.execPath,
      [
        CLI,
        'sim',
        '--control',
        dep!.topo.controlUrl,
        '--sessions',
        '3',
        '--browser-sessions',
        '1',
        '--player',
        'hls',
        '--duration',
        '15',
        '--titles',
        titleId,
        '--networks',
        'none',
        '--report',
        report,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      out += b.toString();
    });
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code, out).toBe(0);
    const fleet = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as {
      summary: { sessions: number; started: number };
    };
    const browser = JSON.parse(await readFile(join(dir, 'run-browser.json'), 'utf8')) as {
      summary: { sessions: number; started: number };
      browserPlayers: { metrics: { currentTime: number } }[];
    };
    expect(fleet.summary.sessions).toBe(3);
    expect(fleet.summary.started).toBe(3);
    expect(browser.summary.sessions).toBe(1);
    expect(browser.summary.started, out).toBe(1);
    expect(browser.browserPlayers[0]!.metrics.currentTime).toBeGreaterThan(2);
  }, 180_000);
});
