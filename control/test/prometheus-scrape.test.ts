// A real Prometheus, on deploy/prometheus/prometheus.yml and alerts.yml (only targets and
// intervals replaced), scraping a real `ferry control` and a real `ferry appliance` that fills
// from a directory origin: both targets up, every series the alert rules read present (with
// the appliance and site labels the alerts name), every rule evaluating without error; and
// every metric the Grafana dashboard (deploy/grafana/ferry-dashboard.json) names exported by
// control or the appliance, every panel query accepted by Prometheus. Last, the appliance is
// killed and the alerts that name it go pending.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createIdentityKey, generateContent } from '@ferry/appliance';
import { eventually } from '@ferry/harness';
import { ControlClient, formatKeyFile, generateKey } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type FerryProc, ferry, ferryControl, killAll, SERVING } from './support/ferry-cli.js';
import { type TestTokens, writeTestTokens } from './support/fleet-auth.js';
import { TestPrometheus } from './support/prometheus.js';
import { exposedNames, metricNames } from './support/promql-names.js';

const DASHBOARD = resolve(import.meta.dirname, '../../deploy/grafana/ferry-dashboard.json');
const APPLIANCE = { appliance: 'east-1', site: 'east' };

interface Rule {
  name: string;
  query: string;
  health: string;
  lastError?: string;
}

const procs: FerryProc[] = [];
let dir = '';
let tokens: TestTokens;
let control: FerryProc;
let appliance: FerryProc;
let adminUrl = '';
let prometheus: TestPrometheus | undefined;
let catalogPath = '';

const hostPort = (url: string) => new URL(url).host;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-prom-scrape-'));
  const keys = join(dir, 'keys');
  writeFileSync(keys, formatKeyFile([generateKey('k1')]), { mode: 0o600 });
  tokens = await writeTestTokens(dir);
  ({ catalogPath } = generateContent({ out: join(dir, 'content'), titles: 1, minutes: 0.1, seed: 'prom' }));
  control = await ferryControl(
    [
      '--db',
      join(dir, 'control.db'),
      '--token-key-file',
      keys,
      '--operator-tokens',
      tokens.file,
      '--log-level',
      'warn',
    ],
    procs,
  );
  const admin = { authorization: `Bearer ${tokens.admin}` };
  const posted = await call(`${control.url}/v1/catalog`, {
    method: 'POST',
    body: JSON.parse(readFileSync(catalogPath, 'utf8')),
    headers: admin,
  });
  expect(posted.status).toBe(200);
  const identity = join(dir, 'identity');
  const publicKey = await createIdentityKey(identity);
  await new ControlClient({ baseUrl: control.url!, token: tokens.admin }).enrollAppliance({
    id: APPLIANCE.appliance,
    site: APPLIANCE.site,
    publicKey,
    urlHosts: ['127.0.0.1'],
  });
  const store = join(dir, 'store');
  mkdirSync(store);
  appliance = await ferry(
    [
      'appliance',
      ...['--id', APPLIANCE.appliance, '--site', APPLIANCE.site],
      ...['--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--store', store],
      ...['--control', control.url!, '--identity-key', identity, '--token-key-file', keys],
      ...['--fill', 'on', '--origin', `dir:${join(dir, 'content')}`, '--fill-manifest-interval', '1'],
      ...['--access-log', 'off', '--log-level', 'warn'],
    ],
    SERVING,
    procs,
  );
  adminUrl = /admin on (http:\/\/\S+)/.exec(appliance.stderr())?.[1] ?? '';
  expect(adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  prometheus = await TestPrometheus.start(hostPort(control.url!), [
    { address: hostPort(adminUrl), ...APPLIANCE },
  ]);
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  await killAll(procs);
  rmSync(dir, { recursive: true, force: true });
});

describe('a real Prometheus on the shipped config', () => {
  it('scrapes control and the appliance, both targets up, the appliance with its labels', async () => {
    const p = prometheus!;
    const targets = await eventually(
      async () => {
        const data = await p.api<{
          activeTargets: { labels: Record<string, string>; health: string; lastError: string }[];
        }>('targets?state=active');
        const up = data.activeTargets.filter((t) => t.health === 'up');
        expect(up.map((t) => t.labels.job).sort(), JSON.stringify(data.activeTargets)).toEqual([
          'ferry-appliance',
          'ferry-control',
        ]);
        return up;
      },
      { what: 'both targets up', timeoutMs: 30_000, intervalMs: 500 },
    );
    const applianceTarget = targets.find((t) => t.labels.job === 'ferry-appliance')!;
    expect(applianceTarget.labels).toMatchObject({ ...APPLIANCE, instance: hostPort(adminUrl) });
    expect(targets.find((t) => t.labels.job === 'ferry-control')!.labels.instance).toBe(
      hostPort(control.url!),
    );
    const up = await p.query('up');
    expect(up.map((s) => s.value[1])).toEqual(['1', '1']);
  }, 60_000);

  it('holds every series the alert rules read; the rules load and evaluate without error', async () => {
    const p = prometheus!;
    const rules = (await p.api<{ groups: { rules: Rule[] }[] }>('rules')).groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.name)).toContain('FerryApplianceDown');
    expect(rules.length).toBeGreaterThanOrEqual(10);
    const names = [...new Set(rules.flatMap((r) => metricNames(r.query)))].sort();
    expect(names).toEqual(
      expect.arrayContaining([
        'ferry_control_appliance_health',
        'ferry_control_site_inconsistent_prefixes',
        'ferry_control_fill_bytes_to_go',
        'ferry_control_steering_decisions_total',
        'nodejs_eventloop_lag_p99_seconds',
        'ferry_event_loop_delay_p99_seconds',
        'up',
      ]),
    );
    // Fill reports and the first steering counts come with heartbeats; poll until all are in.
    await steerOnce();
    const found = await eventually(
      async () => {
        const missing: string[] = [];
        const series: Record<string, Record<string, string>[]> = {};
        for (const name of names) {
          const result = await p.query(name);
          if (result.length === 0) missing.push(name);
          series[name] = result.map((r) => r.metric);
        }
        expect(missing).toEqual([]);
        return series;
      },
      { what: 'every series the alerts read', timeoutMs: 45_000, intervalMs: 1000 },
    );
    // The labels the alerts' summaries name.
    expect(found.ferry_control_appliance_health).toContainEqual(
      expect.objectContaining({ ...APPLIANCE, health: 'healthy', job: 'ferry-control' }),
    );
    expect(found.ferry_control_site_inconsistent_prefixes).toContainEqual(
      expect.objectContaining({ site: 'east' }),
    );
    expect(found.ferry_control_fill_window_open).toContainEqual(expect.objectContaining(APPLIANCE));
    expect(found.ferry_event_loop_delay_p99_seconds).toContainEqual(
      expect.objectContaining({ ...APPLIANCE, job: 'ferry-appliance' }),
    );
    expect(found.nodejs_eventloop_lag_p99_seconds).toContainEqual(
      expect.objectContaining({ job: 'ferry-control' }),
    );
    // The appliance is healthy, so its down alert is not even pending.
    expect(await p.query('ALERTS{alertname="FerryApplianceDown"}')).toEqual([]);
    await eventually(
      async () => {
        const now = (await p.api<{ groups: { rules: Rule[] }[] }>('rules')).groups.flatMap((g) => g.rules);
        const bad = now
          .filter((r) => r.health !== 'ok')
          .map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`);
        expect(bad).toEqual([]);
      },
      { what: 'every rule evaluated ok', timeoutMs: 15_000, intervalMs: 500 },
    );
  }, 90_000);
});

describe('the Grafana dashboard', () => {
  interface Panel {
    title?: string;
    targets?: { expr?: string }[];
    panels?: Panel[];
  }
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[]; templating?: unknown };
  const exprs = (panels: Panel[]): { title: string; expr: string }[] =>
    panels.flatMap((p) => [
      ...(p.targets ?? []).flatMap((t) => (t.expr ? [{ title: p.title ?? '', expr: t.expr }] : [])),
      ...exprs(p.panels ?? []),
    ]);

  it('names only metrics a real control or appliance exports', async () => {
    const all = exprs(dashboard.panels);
    expect(all.length).toBeGreaterThan(10);
    const [c, a] = await Promise.all([
      fetch(`${control.url}/metrics`).then((r) => r.text()),
      fetch(`${adminUrl}/metrics`).then((r) => r.text()),
    ]);
    const exported = new Set([...exposedNames(c), ...exposedNames(a), 'up']);
    const unknown = all.flatMap(({ title, expr }) =>
      metricNames(expr)
        .filter((n) => !exported.has(n))
        .map((n) => `${title}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });

  it('every panel query is PromQL that Prometheus accepts', async () => {
    const p = prometheus!;
    const failed: string[] = [];
    for (const { title, expr } of exprs(dashboard.panels)) {
      const q = expr
        .replaceAll('$__rate_interval', '1m')
        .replaceAll('$site', '.*')
        .replaceAll('$appliance', '.*');
      await p.query(q).catch((err: Error) => failed.push(`${title}: ${err.message}`));
    }
    expect(failed).toEqual([]);
  });

  it('its fleet counts read the real fleet: one appliance, serving', async () => {
    const p = prometheus!;
    const panel = (title: string) => {
      const found = exprs(dashboard.panels).find((e) => e.title === title);
      if (!found) throw new Error(`no panel "${title}"`);
      return found.expr.replaceAll('$site', '.*').replaceAll('$appliance', '.*');
    };
    for (const title of ['Appliances', 'Serving', 'Healthy']) {
      const [value] = await p.query(panel(title));
      expect(value?.value[1], title).toBe('1');
    }
    const [unhealthy] = await p.query(panel('Unhealthy'));
    expect(unhealthy?.value[1]).toBe('0');
  });
});

/** One steering answer, so the decision counters have moved off their start at 0. */
async function steerOnce(): Promise<void> {
  const catalog = JSON.parse(readFileSync(catalogPath, 'utf8')) as { titles: { id: string }[] };
  const r = await call(`${control.url}/v1/steer`, {
    method: 'POST',
    body: { titleId: catalog.titles[0]!.id },
  });
  expect(r.status).toBeLessThan(500);
}

describe('alerts from the real processes', () => {
  it('an appliance killed: FerryApplianceDown and FerryApplianceScrapeFailed go pending, naming it', async () => {
    const p = prometheus!;
    appliance.child.kill('SIGKILL');
    await appliance.exited;
    const pending = await eventually(
      async () => {
        const alerts = await p.query('ALERTS{alertstate="pending"}');
        const names = alerts.map((a) => a.metric.alertname).sort();
        expect(names).toEqual(expect.arrayContaining(['FerryApplianceDown', 'FerryApplianceScrapeFailed']));
        return alerts;
      },
      { what: 'both alerts pending', timeoutMs: 45_000, intervalMs: 500 },
    );
    for (const name of ['FerryApplianceDown', 'FerryApplianceScrapeFailed']) {
      expect(pending.find((a) => a.metric.alertname === name)?.metric).toMatchObject({
        ...APPLIANCE,
        alertstate: 'pending',
      });
    }
    const [down] = await p.query('up{job="ferry-appliance"}');
    expect(down?.value[1]).toBe('0');
  }, 60_000);
});
