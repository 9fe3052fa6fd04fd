// The gauges the alert rules read (deploy/prometheus/alerts.yml): per-appliance health, the
// counts per state, per-site route agreement, as control's registry renders them.
import { eventually } from '@ferry/harness';
import { describe, expect, it } from 'vitest';
import { ControlModel } from '../src/model/model.js';
import { createMetrics } from '../src/server/metrics.js';
import { countSiteRoutes, SiteRouteCache } from '../src/server/site-routes.js';
import { applianceRecord } from './support/test-data.js';

function fleet(): ControlModel {
  const m = new ControlModel();
  const now = Date.now();
  m.setAppliance({ ...applianceRecord('e1', now), site: 'east', loadBps: 4e9, connections: 12 });
  m.setAppliance({ ...applianceRecord('e2', now), site: 'east' });
  m.setAppliance({ ...applianceRecord('e3', now), site: 'east' });
  m.setAppliance({ ...applianceRecord('w1', now - 5000), site: 'west' });
  m.setHealth('e3', 'unhealthy', 'probes failed');
  m.setHealth('w1', 'drained', 'operator');
  m.routes.replace('e1', ['10.0.0.0/8', '192.0.2.0/24', '198.51.100.0/24']);
  m.routes.replace('e2', ['10.0.0.0/8', '192.0.2.0/24']);
  m.routes.replace('e3', ['10.0.0.0/8', '203.0.113.0/24']);
  m.routes.replace('w1', ['172.16.0.0/12']);
  const report = { manifestVersion: 3, wanted: 10, held: 4, filling: 1, failed: 0, corrupt: [], errors: [] };
  m.fillReports.set('e1', { ...report, bytesToGo: 4e10, bytesPerSec: 0, window: 'open' }, now);
  m.fillReports.set('e2', { ...report, bytesToGo: 0, bytesPerSec: 25e6, window: 'closed' }, now);
  return m;
}

describe('site route counts', () => {
  it('counts distinct prefixes and those some appliances of a site miss', async () => {
    expect(await countSiteRoutes(fleet())).toEqual([
      // union: 10/8, 192.0.2/24, 198.51.100/24, 203.0.113/24; only 10/8 heard by all three
      { site: 'east', appliances: 3, prefixes: 4, inconsistent: 3 },
      { site: 'west', appliances: 1, prefixes: 1, inconsistent: 0 },
    ]);
  });

  it('a site whose appliances agree, and one without routes, read 0', async () => {
    const m = new ControlModel();
    m.setAppliance({ ...applianceRecord('a', 1), site: 'x' });
    m.setAppliance({ ...applianceRecord('b', 1), site: 'x' });
    m.setAppliance({ ...applianceRecord('c', 1), site: 'y' });
    m.routes.replace('a', ['10.1.0.0/16', '10.2.0.0/16']);
    m.routes.replace('b', ['10.2.0.0/16', '10.1.0.0/16']);
    expect(await countSiteRoutes(m)).toEqual([
      { site: 'x', appliances: 2, prefixes: 2, inconsistent: 0 },
      { site: 'y', appliances: 1, prefixes: 0, inconsistent: 0 },
    ]);
  });

  it('a large table is counted in slices (the loop turns while it runs)', async () => {
    const m = new ControlModel();
    m.setAppliance({ ...applianceRecord('a', 1), site: 'x' });
    m.setAppliance({ ...applianceRecord('b', 1), site: 'x' });
    const all: string[] = [];
    for (let i = 0; i < 200_000; i++) all.push(`${10 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`);
    m.routes.replace('a', all);
    m.routes.replace('b', all.slice(1000));
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    const counts = await countSiteRoutes(m);
    clearInterval(ticker);
    expect(counts).toEqual([{ site: 'x', appliances: 2, prefixes: 200_000, inconsistent: 1000 }]);
    expect(turns).toBeGreaterThan(0);
  }, 60_000);
});

describe("control's registry", () => {
  it('renders per-appliance health, counts per state and per-site routes', async () => {
    const metrics = createMetrics(fleet());
    const text = await metrics.registry.metrics();
    expect(text).toContain('ferry_control_appliance_up{appliance="e1",site="east"} 1');
    expect(text).toContain('ferry_control_appliance_up{appliance="e3",site="east"} 0');
    expect(text).toContain('ferry_control_appliance_up{appliance="w1",site="west"} 0');
    expect(text).toContain('ferry_control_appliance_health{appliance="e3",site="east",health="unhealthy"} 1');
    expect(text).toContain('ferry_control_appliance_health{appliance="e3",site="east",health="healthy"} 0');
    expect(text).toContain('ferry_control_appliance_health{appliance="w1",site="west",health="drained"} 1');
    expect(text).toContain('ferry_control_appliances{health="healthy"} 2');
    expect(text).toContain('ferry_control_appliances{health="unhealthy"} 1');
    expect(text).toContain('ferry_control_appliances{health="drained"} 1');
    // every state is a series, 0 when no appliance is in it
    expect(text).toContain('ferry_control_appliances{health="unknown"} 0');
    expect(text).toContain(
      'ferry_control_appliance_load_bits_per_second{appliance="e1",site="east"} 4000000000',
    );
    expect(text).toContain('ferry_control_appliance_connections{appliance="e1",site="east"} 12');
    expect(text).toContain('ferry_control_appliance_routes{appliance="e1",site="east"} 3');
    expect(text).toContain('ferry_control_steering_decisions_total{decision="none"} 0');
    expect(text).toContain('ferry_control_site_prefixes{site="east"} 4');
    expect(text).toContain('ferry_control_site_inconsistent_prefixes{site="east"} 3');
    expect(text).toContain('ferry_control_site_inconsistent_prefixes{site="west"} 0');
    expect(text).toContain('ferry_control_fill_window_open{appliance="e1",site="east"} 1');
    expect(text).toContain('ferry_control_fill_window_open{appliance="e2",site="east"} 0');
    expect(text).toContain('ferry_control_fill_bytes_per_second{appliance="e2",site="east"} 25000000');
    expect(text).toContain('ferry_control_fill_held_files{appliance="e1",site="east"} 4');
    // no fill report, no fill series
    expect(text).not.toContain('ferry_control_fill_window_open{appliance="e3"');
    const age = /ferry_control_appliance_heartbeat_age_seconds\{appliance="w1",site="west"\} (\S+)/.exec(
      text,
    );
    expect(Number(age?.[1])).toBeGreaterThanOrEqual(5);
    // bounded labels: appliance and site names only, never an address or a prefix
    expect(text).not.toMatch(/ferry_control_[a-z_]+\{[^}]*(10\.0\.0\.0|192\.0\.2|127\.0\.0\.1)/);
  });

  it('a read within a second gets the last recount; a later one starts a recount and gets it next', async () => {
    const model = fleet();
    let clock = 1_000_000;
    const cache = new SiteRouteCache(model, () => clock);
    const east = async () => (await cache.read()).find((c) => c.site === 'east')?.inconsistent;
    expect(await east()).toBe(3);
    const all = ['10.0.0.0/8', '192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'];
    for (const id of ['e1', 'e2', 'e3']) model.routes.replace(id, all);
    clock += 999;
    expect(await east()).toBe(3);
    // Stale: this read starts a recount behind it and still answers with the last counts.
    clock += 2;
    expect(await east()).toBe(3);
    await eventually(async () => expect(await east()).toBe(0), { timeoutMs: 5000 });
  });
});
