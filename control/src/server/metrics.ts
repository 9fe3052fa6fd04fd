// Control's Prometheus metrics, on a registry of its own so that two apps in one process
// (tests) never collide on metric names.
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { FillStat } from '../fill/service.js';
import type { SigningChoice } from '../keys/choose-signing-key.js';
import type { ControlModel } from '../model/model.js';
import type { StoreStatus } from '../state/resilient-store.js';
import type { RankDecision } from '../steering/rank.js';
import { HEALTH_STATES, registerFleetMetrics } from './fleet-metrics.js';

const STEERING_DECISIONS: readonly RankDecision[] = [
  'local-hit',
  'content-miss',
  'health-miss',
  'fallback',
  'none',
];

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
  /** fill/service.ts's counters */
  fill: {
    recomputes: Counter<'result'>;
    corrupt: Counter<'source_kind'>;
  };
}

/** What the fill gauges read at each scrape (fill/service.ts). */
export interface FillGauges {
  stats(): FillStat[];
  liveFiles(): ReadonlyMap<string, number>;
}

export function createMetrics(
  model: ControlModel,
  options: {
    defaultMetrics?: boolean;
    signing?: () => SigningChoice | undefined;
    store?: { status(): StoreStatus };
    /** read late: the fill service is built after the metrics it counts in */
    fill?: () => FillGauges | undefined;
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
  // Every class from the start at 0: rate() then counts a class's first answers too, and the
  // share of `none` (an alert) is defined before the first one.
  for (const decision of STEERING_DECISIONS) steering.inc({ decision }, 0);
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
      // Every state, 0 when none is in it, so a count panel or alert never reads "no data".
      this.reset();
      for (const health of HEALTH_STATES) this.set({ health }, 0);
      for (const rec of model.listAppliances()) this.inc({ health: rec.health });
    },
  });
  registerFleetMetrics(registry, model);
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
  const fill = fillMetrics(registry, options.fill ?? (() => undefined));
  return { registry, steering, heartbeats, keyReloads, authRefused, chaos, fill };
}

function fillMetrics(registry: Registry, source: () => FillGauges | undefined): ControlMetrics['fill'] {
  new Gauge({
    name: 'ferry_control_fill_wanted_files',
    help: 'Files placement gives each appliance that fills',
    labelNames: ['appliance'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of source()?.stats() ?? []) this.set({ appliance: s.applianceId }, s.wanted);
    },
  });
  new Gauge({
    name: 'ferry_control_fill_bytes_to_go',
    help: 'Bytes each appliance still has to fetch, as its last fill report said',
    labelNames: ['appliance'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of source()?.stats() ?? []) {
        if (s.bytesToGo !== undefined) this.set({ appliance: s.applianceId }, s.bytesToGo);
      }
    },
  });
  new Gauge({
    name: 'ferry_control_fill_live_files',
    help: 'Catalog files held by at least --fill-min-copies serving appliances of each site',
    labelNames: ['site'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [site, n] of source()?.liveFiles() ?? []) this.set({ site }, n);
    },
  });
  return {
    recomputes: new Counter({
      name: 'ferry_control_placement_recomputes_total',
      help: "Placement recomputes: changed (some appliance's wanted set moved) or unchanged",
      labelNames: ['result'],
      registers: [registry],
    }),
    corrupt: new Counter({
      name: 'ferry_control_fill_corrupt_total',
      help: 'Fill sources reported as corrupt (sha256 mismatch), by kind: appliance (peer or parent) or origin',
      labelNames: ['source_kind'],
      registers: [registry],
    }),
  };
}
