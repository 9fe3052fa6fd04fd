// Control's Prometheus metrics, on a registry of its own so that two apps in one process
// (tests) never collide on metric names.
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { ControlModel } from '../model/model.js';

export interface ControlMetrics {
  registry: Registry;
  steering: Counter<'decision'>;
  heartbeats: Counter<'result'>;
  authRefused: Counter<'reason'>;
}

export function createMetrics(
  model: ControlModel,
  options: { defaultMetrics?: boolean } = {},
): ControlMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  const steering = new Counter({
    name: 'ferry_control_steering_decisions_total',
    help: 'Steering answers per stream, by decision class',
    labelNames: ['decision'],
    registers: [registry],
  });
  const heartbeats = new Counter({
    name: 'ferry_control_heartbeats_total',
    help: 'Heartbeats received, by result (accepted, stale, routes-resync, inventory-resync)',
    labelNames: ['result'],
    registers: [registry],
  });
  const authRefused = new Counter({
    name: 'ferry_control_auth_refused_total',
    help: 'Requests refused for a missing, wrong or insufficient credential, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  new Gauge({
    name: 'ferry_control_appliances',
    help: 'Known appliances by health',
    labelNames: ['health'],
    registers: [registry],
    collect() {
      this.reset();
      for (const rec of model.listAppliances()) this.inc({ health: rec.health });
    },
  });
  return { registry, steering, heartbeats, authRefused };
}
