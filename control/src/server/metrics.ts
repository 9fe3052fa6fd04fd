// Control's Prometheus metrics, on a registry of its own so that two apps in one process
// (tests) never collide on metric names.
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { SigningChoice } from '../keys/choose-signing-key.js';
import type { ControlModel } from '../model/model.js';
import type { StoreStatus } from '../state/resilient-store.js';

export interface ControlMetrics {
  registry: Registry;
  steering: Counter<'decision'>;
  heartbeats: Counter<'result'>;
  keyReloads: Counter<'result'>;
  authRefused: Counter<'reason'>;
  /** chaos/service.ts's counters */
  chaos: {
    experiments: Counter<'kind' | 'outcome'>;
    refusals: Counter<'rule'>;
    aborts: Counter<'reason'>;
  };
}

export function createMetrics(
  model: ControlModel,
  options: {
    defaultMetrics?: boolean;
    signing?: () => SigningChoice | undefined;
    store?: { status(): StoreStatus };
  } = {},
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
  const chaos = {
    experiments: new Counter({
      name: 'ferry_control_chaos_experiments_total',
      help: 'Chaos experiments by kind and outcome: accepted, refused (a safety rule), ended, aborted',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    }),
    refusals: new Counter({
      name: 'ferry_control_chaos_refusals_total',
      help: 'Chaos experiments refused, by safety rule',
      labelNames: ['rule'],
      registers: [registry],
    }),
    aborts: new Counter({
      name: 'ferry_control_chaos_aborts_total',
      help: 'Aborts of chaos experiments (one per abort, however many it stopped), by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
  new Gauge({
    name: 'ferry_control_chaos_running',
    help: 'Chaos experiments running now, by kind',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      this.reset();
      for (const e of model.experiments.running()) this.inc({ kind: e.kind });
    },
  });
  const keyReloads = new Counter({
    name: 'ferry_control_token_key_reloads_total',
    help: 'Reloads of --token-key-file (poll or SIGHUP): changed, unchanged, failed (old keys kept)',
    labelNames: ['result'],
    registers: [registry],
  });
  const signing = options.signing;
  if (signing) {
    new Gauge({
      name: 'ferry_control_signing_key',
      help: 'The key URLs are signed with (value 1), and whether every serving appliance holds it',
      labelNames: ['key', 'agreed'],
      registers: [registry],
      collect() {
        this.reset();
        const c = signing();
        if (c) this.set({ key: c.key.entry.keyId, agreed: String(c.agreed) }, 1);
      },
    });
  }
  const store = options.store;
  if (store) {
    new Gauge({
      name: 'ferry_control_store_up',
      help: '1 while the shared state store takes writes, 0 while they are held in memory',
      registers: [registry],
      collect() {
        this.set(store.status().up ? 1 : 0);
      },
    });
    new Gauge({
      name: 'ferry_control_store_buffered_changes',
      help: 'Changes held in memory for the state store (keys and events)',
      registers: [registry],
      collect() {
        this.set(store.status().buffered);
      },
    });
    new Gauge({
      name: 'ferry_control_store_reseeds',
      help: 'Times this instance re-seeded a state store that came back without its data',
      registers: [registry],
      collect() {
        this.set(store.status().reseeds);
      },
    });
  }
  return { registry, steering, heartbeats, keyReloads, authRefused, chaos };
}
