// deploy/prometheus checked with Debian's promtool: the scrape config and the rules are valid,
// the rules' unit tests (alerts.test.yml) pass, and a rule changed so that it no longer
// does what its test says, or broken outright, makes promtool fail.
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOY_PROMETHEUS, promtool, replaceOnce, requirePrometheus } from './support/prometheus.js';
import { metricNames } from './support/promql-names.js';

let scratch = '';

beforeAll(async () => {
  requirePrometheus();
  scratch = await mkdtemp(join(tmpdir(), 'ferry-promtool-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** alerts.test.yml beside a changed copy of alerts.yml, in a directory of their own. */
async function withRules(change: (rules: string) => string): Promise<string> {
  const dir = await mkdtemp(join(scratch, 'rules-'));
  const rules = await readFile(join(DEPLOY_PROMETHEUS, 'alerts.yml'), 'utf8');
  await writeFile(join(dir, 'alerts.yml'), change(rules));
  await copyFile(join(DEPLOY_PROMETHEUS, 'alerts.test.yml'), join(dir, 'alerts.test.yml'));
  return dir;
}

describe('promtool on deploy/prometheus', () => {
  it('check config: prometheus.yml and the rule file it names are valid', async () => {
    const r = await promtool(['check', 'config', 'prometheus.yml']);
    expect(r.output).toContain('SUCCESS');
    expect(r.code, r.output).toBe(0);
  });

  it('check rules: every rule parses', async () => {
    const r = await promtool(['check', 'rules', 'alerts.yml']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('test rules: each alert fires where its test says and not where it says not', async () => {
    const r = await promtool(['test', 'rules', 'alerts.test.yml']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('SUCCESS');
  });

  it('every alert has a unit test', async () => {
    const rules = await readFile(join(DEPLOY_PROMETHEUS, 'alerts.yml'), 'utf8');
    const tests = await readFile(join(DEPLOY_PROMETHEUS, 'alerts.test.yml'), 'utf8');
    const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map((m) => m[1]!);
    expect(alerts.length).toBeGreaterThanOrEqual(10);
    for (const name of alerts) {
      // once expected to fire (with labels) and at least once expected quiet
      expect(tests, name).toMatch(new RegExp(`alertname: ${name}\\n\\s+exp_alerts:\\n\\s+- exp_labels:`));
      expect(tests, name).toMatch(new RegExp(`alertname: ${name}\\n\\s+exp_alerts: \\[\\]`));
    }
  });

  it('a threshold moved so the alert no longer fires fails the unit tests', async () => {
    const dir = await withRules((rules) =>
      replaceOnce(
        rules,
        '(ferry_control_site_inconsistent_prefixes) > 0',
        '(ferry_control_site_inconsistent_prefixes) > 5',
      ),
    );
    const r = await promtool(['test', 'rules', 'alerts.test.yml'], dir);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('FerrySiteRoutesInconsistent');
  });

  it('a shorter for: that fires too early fails the unit tests', async () => {
    const dir = await withRules((rules) =>
      replaceOnce(
        rules,
        'nodejs_eventloop_lag_p99_seconds{job="ferry-control"} > 0.2\n        for: 5m',
        'nodejs_eventloop_lag_p99_seconds{job="ferry-control"} > 0.2\n        for: 1m',
      ),
    );
    const r = await promtool(['test', 'rules', 'alerts.test.yml'], dir);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('FerryControlEventLoopDelayHigh');
  });

  it('a rule that does not parse fails check rules', async () => {
    const dir = await withRules((rules) =>
      replaceOnce(
        rules,
        'expr: max without (instance) (ferry_control_site_inconsistent_prefixes) > 0',
        'expr: max without (instance (ferry_control_site_inconsistent_prefixes',
      ),
    );
    const r = await promtool(['check', 'rules', 'alerts.yml'], dir);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/FAILED|error/i);
  });
});

describe('metric names in PromQL (the scrape and dashboard tests read them)', () => {
  it('finds the series, not functions, labels, numbers, durations or variables', () => {
    expect(
      metricNames(
        'sum by (site) (rate(ferry_bytes_sent_total{site=~"$site",path="x"}[$__rate_interval])) * 8 > 1e+10 and on (appliance) up == 0',
      ),
    ).toEqual(['ferry_bytes_sent_total', 'up']);
    expect(
      metricNames(
        'ferry_control_fill_bytes_to_go * on (appliance) group_left (site) ferry_control_fill_window_open > 10e9',
      ),
    ).toEqual(['ferry_control_fill_bytes_to_go', 'ferry_control_fill_window_open']);
    expect(metricNames('nodejs_eventloop_lag_p99_seconds{job="ferry-control"} > 0.2')).toEqual([
      'nodejs_eventloop_lag_p99_seconds',
    ]);
  });
});
