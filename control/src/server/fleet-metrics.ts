// Per-appliance and per-site gauges: what alerts and dashboards need to name the appliance or
// site in trouble (docs/observability.md). Labels are appliance ids and sites only, never
// addresses, prefixes or file ids, so the series count grows with the fleet, not its traffic.
import { HealthStatus, isServing } from '@ferry/protocol';
import { Gauge, type Registry } from 'prom-client';
import type { ControlModel } from '../model/model.js';
import type { ApplianceRecord } from '../state/store.js';
import { SiteRouteCache } from './site-routes.js';

/** Every health state, so a state-set series reads 0 rather than vanishing when left. */
export const HEALTH_STATES: readonly string[] = HealthStatus.anyOf.map((t) => String(t.const));

export function registerFleetMetrics(
  registry: Registry,
  model: ControlModel,
  now: () => number = Date.now,
): void {
  const registers = [registry];
  // `value` undefined: no series for that appliance (a fill gauge of one that does not fill).
  const perAppliance = (name: string, help: string, value: (rec: ApplianceRecord) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['appliance', 'site'],
      registers,
      collect() {
        this.reset();
        for (const rec of model.listAppliances()) {
          const v = value(rec);
          if (v !== undefined) this.set({ appliance: rec.id, site: rec.site }, v);
        }
      },
    });
  perAppliance(
    'ferry_control_appliance_up',
    "1 while control's health verdict lets the appliance serve (healthy or degraded), 0 otherwise",
    (rec) => (isServing(rec.health) ? 1 : 0),
  );
  new Gauge({
    name: 'ferry_control_appliance_health',
    help: "1 for the appliance's health verdict now, 0 for the other states (unknown, healthy, degraded, unhealthy, draining, drained)",
    labelNames: ['appliance', 'site', 'health'],
    registers,
    collect() {
      this.reset();
      for (const rec of model.listAppliances()) {
        for (const health of HEALTH_STATES) {
          this.set({ appliance: rec.id, site: rec.site, health }, rec.health === health ? 1 : 0);
        }
      }
    },
  });
  perAppliance(
    'ferry_control_appliance_load_bits_per_second',
    'Bits per second the appliance sends viewers, as its last heartbeat said',
    (rec) => rec.loadBps,
  );
  perAppliance(
    'ferry_control_appliance_capacity_bits_per_second',
    'Bits per second the appliance says it can send',
    (rec) => rec.capacityBps,
  );
  perAppliance(
    'ferry_control_appliance_connections',
    'Viewer connections open on the appliance, as its last heartbeat said',
    (rec) => rec.connections,
  );
  perAppliance(
    'ferry_control_appliance_heartbeat_age_seconds',
    'Seconds since the last heartbeat control took from the appliance',
    (rec) => Math.max(0, (now() - rec.lastHeartbeatMs) / 1000),
  );
  perAppliance(
    'ferry_control_appliance_routes',
    'Prefixes the appliance heard over BGP, as control holds them',
    (rec) => model.routes.count(rec.id),
  );
  // Beside ferry_control_fill_bytes_to_go{appliance} (metrics.ts): whether the fill can gain
  // now, for an alert that tells a fill outside its window from one that is stuck.
  const fillReport = (rec: ApplianceRecord) => model.fillReports.get(rec.id)?.report;
  perAppliance(
    'ferry_control_fill_window_open',
    "1 while the appliance's fill window is open, 0 outside it, as its last fill report said",
    (rec) => {
      const r = fillReport(rec);
      return r === undefined ? undefined : r.window === 'open' ? 1 : 0;
    },
  );
  perAppliance(
    'ferry_control_fill_bytes_per_second',
    'Bytes per second the appliance fetches for fill, as its last fill report said',
    (rec) => fillReport(rec)?.bytesPerSec,
  );
  perAppliance(
    'ferry_control_fill_held_files',
    'Files of its manifest the appliance holds, as its last fill report said (progress: held / wanted)',
    (rec) => fillReport(rec)?.held,
  );
  sitePrefixGauges(registry, model);
}

function sitePrefixGauges(registry: Registry, model: ControlModel): void {
  const cache = new SiteRouteCache(model);
  // Both gauges read one recount per scrape: the first to collect awaits it, the second finds
  // it fresh.
  new Gauge({
    name: 'ferry_control_site_prefixes',
    help: 'Distinct prefixes heard over BGP by the appliances of each site',
    labelNames: ['site'],
    registers: [registry],
    async collect() {
      const counts = await cache.read();
      this.reset();
      for (const c of counts) this.set({ site: c.site }, c.prefixes);
    },
  });
  new Gauge({
    name: 'ferry_control_site_inconsistent_prefixes',
    help: 'Prefixes heard by some appliances of each site and not by others (GET /v1/sites/{site}/route-consistency lists them)',
    labelNames: ['site'],
    registers: [registry],
    async collect() {
      const counts = await cache.read();
      this.reset();
      for (const c of counts) this.set({ site: c.site }, c.inconsistent);
    },
  });
}
