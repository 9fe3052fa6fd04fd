import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { RunningAppliance } from '@ferry/appliance';
import type { CatalogTitle } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planAudience } from '../src/audience/plan.js';
import { runSim } from '../src/fleet/cli.js';
import { fleetTotals } from '../src/fleet/summary.js';
import type { FleetReport } from '../src/report/aggregate.js';
import { answerChaos, type ChaosStandIn } from './support-chaos-control.js';
import { type Edge, startEdge } from './support-edge.js';
import { experiment } from './support-qoe.js';
import { deadPort, listenLoopback, segmentIndexAnswer, steerResponse } from './support-steer-server.js';

// A minimal control: GET /v1/titles/:id (and its streams' segment indexes) and POST /v1/steer (always the one appliance),
// remembering the source address of every steer, and the chaos list (support-chaos-control).
interface MiniControl {
  url: string;
  steers: string[];
  chaos: ChaosStandIn;
  close(): Promise<void>;
}

async function startMiniControl(title: CatalogTitle, appliance: string): Promise<MiniControl> {
  const steers: string[] = [];
  const chaos: ChaosStandIn = {
    tokens: { fop_view: 'viewer' },
    body: () => ({ experiments: [] }),
    authorizations: [],
  };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (answerChaos(req, res, chaos)) return;
      const json = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method === 'GET' && req.url === `/v1/titles/${title.id}`) return json(200, title);
      const index = req.method === 'GET' ? segmentIndexAnswer(title, req.url) : undefined;
      if (index) return json(200, index);
      if (req.method === 'POST' && req.url === '/v1/steer') {
        steers.push(req.socket.remoteAddress ?? '');
        return json(200, steerResponse(title, [{ base: appliance, applianceId: 'edge-1', site: 'test' }]));
      }
      json(404, { error: 'NOT_FOUND', message: req.url ?? '' });
    });
  });
  return { ...(await listenLoopback(server)), steers, chaos };
}

let edge: Edge;
let app: RunningAppliance;
let title: CatalogTitle;
let control: MiniControl;

beforeAll(async () => {
  edge = await startEdge('fleet');
  app = edge.app;
  title = edge.title;
  control = await startMiniControl(title, app.url);
});

afterAll(async () => {
  await control?.close();
  await edge?.stop();
});

function sink(): PassThrough & { text(): string } {
  const chunks: Buffer[] = [];
  const s = new PassThrough() as PassThrough & { text(): string };
  s.on('data', (c: Buffer) => chunks.push(c));
  s.text = () => Buffer.concat(chunks).toString('utf8');
  return s;
}

/**
 * What an operator reads in a real run's report: axes with round ticks (elapsed m:ss, the
 * UTC clock, values in b/s units), the run's settings and the simulator's own health.
 */
function expectReadableReport(page: string, parsed: FleetReport, controlUrl: string): void {
  const svgs = page.split('<svg').slice(1);
  const labels = (svg: string, cls: string) =>
    [...svg.matchAll(new RegExp(`<text class="tick ${cls}"[^>]*>([^<]*)</text>`, 'g'))].map((m) => m[1]!);
  const timeCharts = svgs.filter((s) => s.includes('data-axis="time"'));
  expect(timeCharts).toHaveLength(2);
  for (const chart of timeCharts) {
    const times = labels(chart, 'time-tick');
    // 6 s of run: a tick each second, labelled 0:00, 0:01, …
    expect(times.length).toBeGreaterThanOrEqual(5);
    expect(times.slice(0, 3)).toEqual(['0:00', '0:01', '0:02']);
    const clocks = labels(chart, 'clock-tick');
    expect(clocks).toHaveLength(times.length);
    for (const c of clocks) expect(c).toMatch(/^\d\d:\d\d:\d\d$/);
    const values = labels(chart, 'value-tick');
    expect(values.length).toBeGreaterThanOrEqual(3);
    expect(values.some((v) => / (kb|Mb|Gb)\/s$/.test(v))).toBe(true);
  }
  // Totals in SI units, not raw byte counts.
  const totals = page.match(/<table class="totals">(.*?)<\/table>/s)?.[1] ?? '';
  expect(totals).toMatch(/<tr><th>bytes<\/th><td>\d+(\.\d+)? (kB|MB|GB)<\/td><\/tr>/);
  // The run's settings.
  const settings = page.match(/<table class="run-settings">(.*?)<\/table>/s)?.[1] ?? '';
  const cell = (table: string, name: string) =>
    table.match(new RegExp(`<tr><th>${name}</th><td>([^<]*)</td></tr>`))?.[1];
  expect(cell(settings, 'command')).toBe('ferry sim');
  expect(cell(settings, 'control')).toBe(`${controlUrl}/`);
  expect(cell(settings, 'sessions')).toBe('20');
  expect(cell(settings, 'duration')).toBe('6 s');
  expect(cell(settings, 'seed')).toBe('ferry');
  // The default mix's weights as shares of the audience.
  expect(cell(settings, 'networks')).toBe('mobile 25 %, dsl 20 %, cable 35 %, fibre 20 %');
  expect(cell(settings, 'audience')).toMatch(/^arrivals poisson, .*zipf 0\.9/);
  expect(cell(settings, 'buffer')).toMatch(/at most 30 s ahead/);
  expect(cell(settings, 'versions')).toMatch(/^ferry \d+\.\d+\.\d+, node v\d+/);
  expect(cell(settings, 'machine')).toMatch(/^\d+ cores, .* node v\d+/);
  expect(cell(settings, 'started')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  // The simulator's own CPU and event-loop delay.
  expect(page).toContain('<h2>Simulator health</h2>');
  const health = page.match(/<table class="self-load">(.*?)<\/table>/s)?.[1] ?? '';
  expect(cell(health, 'CPU \\(user \\+ system\\)')).toMatch(
    /^\d+ % of one core, \d+ % of the machine \(\d+ cores\)$/,
  );
  expect(cell(health, 'event-loop delay')).toMatch(/^p50 [\d.]+ ms, p99 [\d.]+ ms, max \d+ ms$/);
  expect(page).toMatch(/<p class="(ok|warning)"/);
  // And the same in the JSON.
  const run = parsed.run!;
  expect(run.machine?.cores).toBeGreaterThan(0);
  expect(run.versions?.['ferry']).toMatch(/^\d+\.\d+\.\d+$/);
  expect(run.selfLoad?.cpuMachinePercent).toBeGreaterThanOrEqual(0);
  expect(run.selfLoad?.loopDelayP99Ms).toBeGreaterThanOrEqual(0);
}

describe('ferry sim', () => {
  it('runs 20 sessions from distinct 127.x addresses and writes a consistent report', async () => {
    const stdout = sink();
    const stderr = sink();
    const report = join(edge.dir, 'sim.html');
    const t0 = Date.now();
    const { result, html, json } = await runSim(
      {
        control: control.url,
        sessions: 20,
        duration: 6,
        ramp: 1,
        sourceCidr: '127.77.0.0/24',
        titles: title.id,
        report,
      },
      { stdout, stderr, handleSignals: false },
    );
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(5900);
    expect(elapsed).toBeLessThan(9000);

    // Each session steered from its own address, and control saw exactly those.
    const expected = Array.from({ length: 20 }, (_, i) => `127.77.0.${i + 1}`);
    expect(result.sourceAddresses).toBe(20);
    expect(new Set(control.steers)).toEqual(new Set(expected));

    const { sessions } = result;
    expect(sessions).toHaveLength(20);
    for (const s of sessions) {
      expect(s.errors).toEqual([]);
      expect(s.started).toBe(true);
      // Every session ends when the fleet does, not its own duration after its start.
      expect(s.startedAt + s.durationMs).toBeLessThanOrEqual(t0 + 6000 + 500);
    }

    // The summary is the per-session records added up.
    const summary = result.report.summary;
    const sum = (f: (s: (typeof sessions)[number]) => number) => sessions.reduce((a, s) => a + f(s), 0);
    expect(summary.sessions).toBe(20);
    expect(summary.started).toBe(20);
    expect(summary.bytes).toBe(sum((s) => s.bytes));
    expect(summary.bytesByAppliance['edge-1']).toBe(sum((s) => s.bytes));
    expect(summary.failovers).toBe(sum((s) => s.failovers));
    expect(summary.steers).toBe(sum((s) => s.steers));
    const startups = sessions.map((s) => s.startupMs!).sort((a, b) => a - b);
    expect(summary.startupMs.max).toBe(startups.at(-1));
    expect(fleetTotals(sessions).stalls).toBe(sum((s) => s.stallCount));

    // Files: the HTML is self-contained, the JSON parses and matches.
    expect(html).toBe(report);
    const parsed = JSON.parse(readFileSync(json, 'utf8')) as FleetReport;
    expect(parsed.summary).toEqual(JSON.parse(JSON.stringify(summary)));
    expect(readFileSync(html, 'utf8')).toContain('<svg');
    // The default audience: viewers on the default network mix, each with an end reason,
    // and the settings in force in the JSON's run block.
    for (const s of sessions) {
      expect(['mobile', 'dsl', 'cable', 'fibre']).toContain(s.network?.profile);
      expect(['watched', 'stopped', 'title-end']).toContain(s.endReason);
    }
    const run = (parsed as unknown as { run: { audience: Record<string, unknown> } }).run;
    expect(run.audience).toMatchObject({ arrivals: 'poisson', zipf: 0.9, seed: 'ferry' });
    expectReadableReport(readFileSync(html, 'utf8'), parsed, control.url);

    const table = stdout.text();
    expect(table).toMatch(/startup p50 \/ p95/);
    expect(table).toMatch(/from edge-1/);
    expect(table).toMatch(/source addresses\s+20/);
    // Not a terminal: plain progress lines, no carriage returns.
    expect(stderr.text()).toMatch(/sessions \d+ running/);
    expect(stderr.text()).not.toContain('\r');
  }, 30_000);

  it('splits the fleet over worker threads and merges their records', async () => {
    const before = control.steers.length;
    const { result, json } = await runSim(
      {
        control: control.url,
        sessions: 10,
        duration: 4,
        ramp: 0.5,
        sourceCidr: '127.78.0.0/24',
        titles: title.id,
        report: join(edge.dir, 'threads.html'),
        workers: 2,
      },
      { stdout: sink(), stderr: sink(), handleSignals: false },
    );
    const { sessions } = result;
    expect(sessions.map((s) => s.id)).toEqual(Array.from({ length: 10 }, (_, i) => `s${i + 1}`));
    expect(sessions.every((s) => s.started && s.errors.length === 0)).toBe(true);
    expect(result.sourceAddresses).toBe(10);
    const seen = new Set(control.steers.slice(before));
    expect(seen).toEqual(new Set(Array.from({ length: 10 }, (_, i) => `127.78.0.${i + 1}`)));
    expect(result.report.summary.bytes).toBe(sessions.reduce((a, s) => a + s.bytes, 0));
    const parsed = JSON.parse(readFileSync(json, 'utf8')) as { run: { workers: number } };
    expect(parsed.run.workers).toBe(2);
    // One plan for both threads: each session has the network the planner gave it.
    const plan = planAudience({ sessions: 10, durationSec: 4, rampSec: 0.5, titleIds: [title.id] });
    expect(sessions.map((s) => s.network?.downBps)).toEqual(plan.map((p) => p.network?.downBps));
  }, 30_000);

  it('refuses to start when control is unreachable', async () => {
    const dead = `http://127.0.0.1:${await deadPort()}`;
    await expect(
      runSim(
        { control: dead, sessions: 2, duration: 2, titles: 't' },
        { stdout: sink(), stderr: sink(), handleSignals: false },
      ),
    ).rejects.toMatchObject({ code: 'FERRY_ERR_SIM_CONTROL', message: /unreachable/ });
    // The same from worker threads: the first worker's failure is the command's.
    await expect(
      runSim(
        { control: dead, sessions: 2, duration: 2, titles: 't', workers: 2 },
        { stdout: sink(), stderr: sink(), handleSignals: false },
      ),
    ).rejects.toMatchObject({ code: 'FERRY_ERR_SIM_CONTROL', message: /unreachable/ });
  }, 30_000);

  it('reads the chaos experiments the run overlapped from control and reports on them', async () => {
    const t0 = Date.now();
    control.chaos.body = () => ({
      experiments: [
        experiment({ id: 'old', startedAtMs: t0 - 120_000, endedAtMs: t0 - 110_000 }),
        experiment({ id: 'k1', appliances: ['edge-1'], startedAtMs: t0 + 1000, endedAtMs: t0 + 2000 }),
        experiment({
          id: 'r1',
          kind: 'throttle',
          appliances: ['edge-1'],
          state: 'refused',
          startAtMs: t0 + 500,
          endedAtMs: t0 + 500,
          refusal: { rule: 'chaos-off', message: 'the appliance runs with --chaos off' },
        }),
      ],
    });
    const seen = control.chaos.authorizations.length;
    const stdout = sink();
    const { experiments, html, json } = await runSim(
      {
        control: control.url,
        sessions: 4,
        duration: 3,
        ramp: 0.5,
        titles: title.id,
        report: join(edge.dir, 'chaos.html'),
        chaosFromControl: true,
        token: 'fop_view',
      },
      { stdout, stderr: sink(), handleSignals: false },
    );
    // Read before the run (the token is checked) and after it (the list).
    expect(control.chaos.authorizations.slice(seen)).toEqual(['Bearer fop_view', 'Bearer fop_view']);
    expect(experiments?.map((e) => e.experiment.id)).toEqual(['r1', 'k1']);
    const k1 = experiments![1]!.analysis!;
    expect(k1.viewers).toBe(4);
    // The one appliance is the target: every viewer was fetching from it.
    expect(k1.affected).toBe(4);
    expect(experiments![0]!.analysis).toBeUndefined();
    const page = readFileSync(html, 'utf8');
    expect(page.match(/<g class="band">/g)).toHaveLength(2);
    expect(page).toContain('data-experiment="k1"');
    expect(page).toContain('refused (chaos-off): the appliance runs with --chaos off');
    const parsed = JSON.parse(readFileSync(json, 'utf8')) as FleetReport & {
      run: { chaosFromControl: boolean };
    };
    expect(parsed.experiments?.[1]?.analysis?.affected).toBe(4);
    expect(parsed.run.chaosFromControl).toBe(true);
    expect(stdout.text()).toMatch(/chaos kill edge-1\s+4 viewers affected/);
  }, 30_000);

  it('refuses a token control does not accept before any viewer starts', async () => {
    const io = { stdout: sink(), stderr: sink(), handleSignals: false };
    const base = { control: control.url, sessions: 2, duration: 2, titles: title.id, chaosFromControl: true };
    const steers = control.steers.length;
    await expect(runSim({ ...base, token: 'fop_wrong' }, io)).rejects.toMatchObject({
      code: 'FERRY_ERR_SIM_CHAOS_AUTH',
      message: /answered 401/,
    });
    await expect(runSim({ ...base, token: '' }, io)).rejects.toMatchObject({
      code: 'FERRY_ERR_SIM_USAGE',
      message: /--token TOKEN or FERRY_TOKEN/,
    });
    expect(control.steers.length).toBe(steers);
  });

  it('refuses bad flags before contacting control', async () => {
    const io = { stdout: sink(), stderr: sink(), handleSignals: false };
    const base = { control: control.url, sessions: 2, duration: 2, titles: title.id };
    const steers = control.steers.length;
    await expect(runSim({ ...base, sourceCidr: '127.0.0.0/33' }, io)).rejects.toMatchObject({
      code: 'FERRY_ERR_SIM_USAGE',
    });
    await expect(runSim({ ...base, sourceCidr: '::1/128' }, io)).rejects.toThrow(/IPv4/);
    await expect(runSim({ ...base, sessions: 0 }, io)).rejects.toThrow(/--sessions/);
    await expect(runSim({ ...base, control: 'ftp://x' }, io)).rejects.toThrow(/--control/);
    await expect(runSim({ ...base, ramp: 5 }, io)).rejects.toThrow(/--ramp/);
    await expect(runSim({ ...base, titles: undefined }, io)).rejects.toThrow(/--titles/);
    await expect(runSim({ ...base, workers: 0 }, io)).rejects.toThrow(/--workers/);
    await expect(runSim({ ...base, titles: 'nope' }, io)).rejects.toThrow(/does not know title "nope"/);
    expect(control.steers.length).toBe(steers);
  });
});
