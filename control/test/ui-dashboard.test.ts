// The dashboard end to end in a real headless Chromium (Debian's /usr/bin/chromium through
// playwright-core) against a real control and three real appliances (harness deployment):
// log in through the page, no console or page errors, a SIGKILLed appliance shown unhealthy
// within 3 s of control's own transition, a drain clicked in the page drains the appliance,
// the CSV export, "where would this address go", and the chaos blast-radius refusal.
// Screenshots go to test-results/dashboard/ at the repository root.

import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LaunchedChromium, launchChromium } from '@ferry/client-sim';
import { type Deployment, demoSites, eventually, startDeployment } from '@ferry/harness';
import type { ApplianceView, EventView } from '@ferry/protocol';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SHOTS = fileURLToPath(new URL('../../test-results/dashboard/', import.meta.url));
// east-1, east-2 in isp-east and west-1 in isp-west, on addresses of their own
const SITES = demoSites(141).filter((s) => s.id !== 'east-3');

let dir = '';
let d: Deployment | undefined;
let chromium: LaunchedChromium | undefined;
let page: Page;
const problems: string[] = [];
const shots: string[] = [];

async function shot(name: string, what: string): Promise<void> {
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  shots.push(`${path}  ${what}`);
}

const client = () => d!.topo.client(5000);

async function applianceView(id: string): Promise<ApplianceView> {
  return client().getAppliance(id);
}

/** POST /v1/steer from a viewer's own loopback address, as a device in that network would. */
function steerFrom(localAddress: string, titleId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL('/v1/steer', d!.topo.controlUrl);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ titleId }));
  });
}

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  dir = await mkdtemp(join(tmpdir(), 'ferry-ui-'));
  d = await startDeployment({
    dir,
    appliances: SITES,
    content: { titles: 1, minutes: 1, seed: 'ui-dashboard' },
    chaos: true,
  });
  // A missing Chromium fails the test (launchChromium throws): it never skips.
  chromium = await launchChromium();
  const context = await chromium.browser.newContext({
    viewport: { width: 1400, height: 900 },
    acceptDownloads: true,
  });
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
}, 180_000);

afterAll(async () => {
  // A browser that does not close in time is killed by its pid, never by name.
  await chromium?.close();
  await d?.topo.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  if (shots.length > 0) process.stdout.write(`dashboard screenshots:\n  ${shots.join('\n  ')}\n`);
}, 60_000);

describe('the dashboard in Chromium', () => {
  it('sends a visitor without a session to the login page, where a pasted token logs in', async () => {
    const context = await chromium!.browser.newContext();
    try {
      const other = await context.newPage();
      other.on('pageerror', (err) => problems.push(`page error (login page): ${err.message}`));
      await other.goto(`${d!.topo.controlUrl}/ui/`);
      expect(new URL(other.url()).pathname).toBe('/ui/login');
      await other.fill('#token', 'fop_wrong');
      await other.click('#login-form button[type="submit"]');
      await other.waitForSelector('#login-error >> text=FERRY_ERR_AUTH_BAD_TOKEN', { timeout: 10_000 });
      await other.fill('#token', d!.topo.operatorToken);
      await other.click('#login-form button[type="submit"]');
      await other.waitForSelector('#live.on', { timeout: 20_000 });
      expect(new URL(other.url()).pathname).toBe('/ui/');
      // the cookie is not readable by the page's scripts
      expect(await other.evaluate(() => document.cookie)).toBe('');
    } finally {
      await context.close();
    }
  }, 60_000);

  it('logs in from the #token= address, removes the token from it, and shows the fleet live', async () => {
    await page.goto(`${d!.topo.controlUrl}/ui/#token=${d!.topo.operatorToken}`);
    await page.waitForSelector('#live.on', { timeout: 20_000 });
    expect(page.url()).toBe(`${d!.topo.controlUrl}/ui/`);
    for (const s of SITES) {
      await page.waitForSelector(`#fleet-table tr[data-appliance="${s.id}"] td.health.healthy`, {
        timeout: 20_000,
      });
    }
    expect(await page.textContent('.count.total .n')).toBe('3');
    expect(await page.textContent('#who')).toContain('(admin)');
    // the counts filter the table
    await page.click('.count.unhealthy');
    expect(await page.locator('#fleet-table tbody tr').count()).toBe(0);
    await page.click('.count.unhealthy');
    expect(await page.locator('#fleet-table tbody tr').count()).toBe(3);
    await shot('fleet', 'Fleet: counts, actionable items, sites, three healthy appliances');
  }, 60_000);

  it('explores routes and exports them as CSV', async () => {
    await page.click('button[data-tab="routes"]');
    await page.fill('#lookup-ip', '127.64.0.10');
    await page.click('#lookup-form button[type="submit"]');
    await page.waitForSelector('#lookup-result >> text=127.64.0.0/16', { timeout: 10_000 });
    await page.selectOption('#routes-scope', 'site=isp-east');
    await page.waitForSelector('#routes-table tr[data-prefix="127.64.0.0/16"]', { timeout: 10_000 });
    await page.waitForSelector('#route-consistency >> text=isp-east: consistent', { timeout: 10_000 });
    await shot('routes', 'Routes: address search, consistency per site, prefixes of isp-east');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#routes-csv')]);
    expect(download.suggestedFilename()).toBe('ferry-routes-isp-east.csv');
    const path = join(dir, 'routes.csv');
    await download.saveAs(path);
    const csv = (await readFile(path, 'utf8')).trim().split('\r\n');
    expect(csv).toEqual([
      'site,prefix,heard_by,missing_from,consistent',
      'isp-east,127.64.0.0/16,east-1 east-2,,yes',
    ]);
  }, 60_000);

  it('charts steering decisions and says where an address would go', async () => {
    const titleId = d!.catalog.titles[0]!.id;
    for (let i = 0; i < 10; i++) expect(await steerFrom(`127.64.0.${20 + i}`, titleId)).toBe(200);
    await page.click('button[data-tab="steering"]');
    await page.waitForFunction(
      () =>
        /local hit [1-9]|last minute: [1-9]/.test(
          document.getElementById('steering-totals')?.textContent ?? '',
        ),
      undefined,
      { timeout: 15_000 },
    );
    expect(await page.locator('#steering-chart svg path.series.local-hit').count()).toBe(1);
    await page.fill('#where-ip', '127.65.0.9');
    await page.selectOption('#where-title', titleId);
    await page.click('#where-form button[type="submit"]');
    await page.waitForSelector('#where-result td.decision', { timeout: 10_000 });
    expect(await page.textContent('#where-result td.decision')).toBe('local-hit');
    expect(await page.textContent('#where-result tbody tr td:last-child')).toContain('west-1');
    await shot('steering', 'Steering: decisions per second by class, and where 127.65.0.9 would go');
  }, 60_000);

  it('shows a SIGKILLed appliance unhealthy within 3 s of control noticing', async () => {
    await page.click('button[data-tab="fleet"]');
    const victim = d!.topo.procs.find((p) => p.name === 'east-2' && p.child.exitCode === null);
    expect(victim?.child.pid).toBeDefined();
    const killedMs = Date.now();
    // In the page: when its table first says unhealthy (the page and the test share a clock).
    const seen = page.waitForFunction(
      () =>
        document.querySelector('#fleet-table tr[data-appliance="east-2"] td.health')?.textContent ===
        'unhealthy'
          ? Date.now()
          : false,
      undefined,
      { timeout: 30_000, polling: 50 },
    );
    process.kill(victim!.child.pid!, 'SIGKILL');
    const shownMs = (await (await seen).jsonValue()) as number;
    const transition = await eventually(
      async () => {
        const { events } = await client().events({ appliance: 'east-2', since: killedMs });
        const e = events.find((x: EventView) => x.kind === 'health' && x.to === 'unhealthy');
        expect(e).toBeDefined();
        return e!;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(shownMs - transition.timeMs).toBeLessThanOrEqual(3000);
    expect(await page.textContent('#fleet-table tr[data-appliance="east-2"] td.why')).not.toBe('');
    await page.waitForSelector('#actions li.error[data-appliance="east-2"]', { timeout: 5000 });
    await shot(
      'killed',
      `Fleet: east-2 SIGKILLed, shown unhealthy ${shownMs - transition.timeMs} ms after control's transition`,
    );
  }, 60_000);

  it('drains an appliance from a click, and the appliance really drains', async () => {
    await page.click('button[data-tab="operations"]');
    await page.fill('#ops-table tr[data-appliance="east-1"] .reason-input', 'dashboard test');
    await page.click('#ops-table button[data-action="drain"][data-appliance="east-1"]');
    await page.waitForSelector('#ops-status.ok', { timeout: 10_000 });
    const v = await applianceView('east-1');
    expect(v.admin.drain).toMatchObject({ reason: 'dashboard test' });
    // The appliance obeys the heartbeat reply's drain order and reports it.
    await eventually(
      async () => {
        const a = await applianceView('east-1');
        expect(['draining', 'drained']).toContain(a.reportedState);
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    const admin = d!.topo.applianceAdminUrls.get('east-1');
    if (admin) {
      const status = (await (await fetch(`${admin}/v1/status`)).json()) as { state?: string };
      expect(['draining', 'drained']).toContain(status.state);
    }
    await page.waitForSelector('#ops-table tr[data-appliance="east-1"] td.reported >> text=/drain/', {
      timeout: 5000,
    });
    await page.waitForSelector('#events-table tr', { timeout: 5000 });
    await shot(
      'drain',
      'Operations: east-1 drained from the page, fill, chaos experiments and the event log',
    );
  }, 60_000);

  it('loaded with no console errors and no page errors', () => {
    expect(problems).toEqual([]);
  });

  it("shows chaos's blast-radius check refusing an experiment", async () => {
    await page.click('button[data-tab="operations"]');
    // west-1 is the whole of isp-west: the site-share rule refuses it.
    await page.selectOption('#chaos-kind', 'latency');
    await page.selectOption('#chaos-target', 'west-1');
    await page.click('#chaos-form button[type="submit"]');
    await page.waitForFunction(
      () => (document.getElementById('chaos-status')?.textContent ?? '') !== '',
      undefined,
      { timeout: 10_000 },
    );
    expect(await page.textContent('#chaos-status')).toContain(
      'blast-radius check refused it: FERRY_ERR_CHAOS_RULE_',
    );
    await page.waitForSelector('#chaos-table tr.refused', { timeout: 10_000 });
    await shot('operations', 'Operations: a chaos experiment refused by the blast-radius check');
    // The only console line is the browser's own note of the 409 answer.
    expect(problems.filter((p) => !/status of 409/.test(p))).toEqual([]);
  }, 60_000);
});
