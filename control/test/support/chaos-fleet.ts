// Appliances for the chaos tests, heartbeating by hand so each test says exactly what an
// appliance reports: its chaos mode and the faults it runs, its response counters, a restart
// (a new boot). Heartbeats are signed with enrolled keys through ControlClient; one counting
// /healthz stands in for every appliance's, so control's probes find them healthy.
import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { eventually } from '@ferry/harness';
import {
  type ChaosReport,
  ControlClient,
  type Heartbeat,
  type HeartbeatReply,
  type OrdersCheck,
  publicKeyText,
  verifyChaosOrders,
} from '@ferry/protocol';
import type { ControlConfig } from '../../src/config.js';
import {
  type CountingHealthz,
  startHealthz,
  startTestControl,
  type TestAppOptions,
  type TestControl,
} from './test-control.js';

export interface ChaosKeyPair {
  key: KeyObject;
  publicKey: KeyObject;
  text: string;
}

export function chaosKeyPair(): ChaosKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { key: privateKey, publicKey, text: publicKeyText(publicKey) };
}

export interface ApplianceSpec {
  id: string;
  site?: string;
  prefixes?: string[];
  files?: string[];
  capacityBps?: number;
  /** undefined: the heartbeat carries no chaos report at all */
  chaos?: ChaosReport['mode'];
}

export class ChaosAppliance {
  boot = newBoot();
  seq = 0;
  /** what the next heartbeat reports as running */
  active: ChaosReport['active'] = [];
  lastRefusal: string | undefined;
  responses: { total: number; failed: number } | undefined;
  state: Heartbeat['state'] = 'serving';
  /** the last reply's orders, checked */
  lastOrders: OrdersCheck | undefined;
  private lastIssued = 0;
  private fresh = true;

  constructor(
    readonly spec: ApplianceSpec & { site: string },
    /** the control instance its heartbeats go to (several share one Redis) */
    public client: ControlClient,
    private readonly key: KeyObject,
    private readonly url: string,
    private readonly verifyKey: KeyObject,
  ) {}

  get id(): string {
    return this.spec.id;
  }

  /** A new process: a new boot, seq from 0, reports in full. */
  restart(): void {
    this.boot = newBoot();
    this.seq = 0;
    this.active = [];
    this.fresh = true;
    this.lastIssued = 0;
  }

  body(): Heartbeat {
    const { spec } = this;
    const hb: Heartbeat = {
      url: this.url,
      site: spec.site,
      version: '0.1.0',
      state: this.state,
      boot: this.boot,
      seq: this.seq++,
      load: { bitsPerSecond: 0, connections: 0 },
      capacity: { bitsPerSecond: spec.capacityBps ?? 1e9 },
      disks: [],
      ...(this.responses ? { responses: this.responses } : {}),
      ...(spec.chaos
        ? {
            chaos: {
              mode: spec.chaos,
              active: this.active,
              ...(this.lastRefusal ? { lastRefusal: this.lastRefusal } : {}),
            },
          }
        : {}),
    };
    if (this.fresh) {
      hb.routes = {
        kind: 'snapshot',
        epoch: `e-${this.boot}`,
        version: 1,
        routes: (spec.prefixes ?? []).map((prefix) => ({ prefix })),
      };
      hb.inventory = { kind: 'full', version: 1, files: spec.files ?? [] };
    }
    return hb;
  }

  /** One heartbeat; the reply's orders (if any) are verified as the appliance's agent would. */
  async beat(): Promise<HeartbeatReply> {
    const reply = await this.client.heartbeat(this.id, this.body(), { signingKey: this.key });
    this.fresh = false;
    this.lastOrders = reply.chaos
      ? verifyChaosOrders({
          signed: reply.chaos,
          keys: [this.verifyKey],
          applianceId: this.id,
          boot: this.boot,
          nowMs: Date.now(),
          lastIssuedAtMs: this.lastIssued,
        })
      : undefined;
    if (this.lastOrders?.ok) this.lastIssued = this.lastOrders.orders.issuedAtMs;
    return reply;
  }

  /** The experiment ids the last reply ordered (verified), [] when it ordered nothing. */
  ordered(): string[] {
    if (!this.lastOrders) return [];
    if (!this.lastOrders.ok) throw new Error(`orders for ${this.id} refused: ${this.lastOrders.detail}`);
    return this.lastOrders.orders.faults.map((f) => f.experimentId);
  }
}

function newBoot(): string {
  return randomBytes(12).toString('base64url');
}

export interface ChaosFleet {
  t: TestControl;
  chaos: ChaosKeyPair;
  healthz: CountingHealthz;
  appliances: Map<string, ChaosAppliance>;
  /** the appliance `id` (added by `add`) */
  a(id: string): ChaosAppliance;
  add(spec: ApplianceSpec): Promise<ChaosAppliance>;
  /** a call with the operator token unless another is named */
  client(token?: string): ControlClient;
  close(): Promise<void>;
}

/**
 * A control with a chaos key (and fast probes), and `specs` enrolled, heartbeated once and
 * waited for until healthy.
 */
export async function startChaosFleet(
  specs: ApplianceSpec[],
  over: Partial<ControlConfig> = {},
  app: TestAppOptions = {},
): Promise<ChaosFleet> {
  const chaos = chaosKeyPair();
  const t = await startTestControl(over, { chaosKey: chaos.key, ...app });
  const healthz = await startHealthz();
  const appliances = new Map<string, ChaosAppliance>();
  const fleet: ChaosFleet = {
    t,
    chaos,
    healthz,
    appliances,
    a: (id) => {
      const found = appliances.get(id);
      if (!found) throw new Error(`no test appliance ${id}`);
      return found;
    },
    async add(spec) {
      const site = spec.site ?? 'site-a';
      const identity = await t.fleet.enroll(spec.id, site);
      const client = new ControlClient({ baseUrl: t.base, timeoutMs: 5000 });
      const a = new ChaosAppliance({ ...spec, site }, client, identity.key, healthz.url, chaos.publicKey);
      appliances.set(spec.id, a);
      await a.beat();
      return a;
    },
    client: (token = t.tokens.operator) => new ControlClient({ baseUrl: t.base, token, timeoutMs: 5000 }),
    async close() {
      await t.close();
      await healthz.stop();
    },
  };
  try {
    for (const spec of specs) await fleet.add(spec);
    await eventually(
      () => {
        for (const spec of specs) {
          if (t.control.model.getAppliance(spec.id)?.health !== 'healthy')
            throw new Error(`${spec.id} not healthy`);
        }
      },
      { what: 'test appliances healthy', timeoutMs: 10_000, intervalMs: 25 },
    );
  } catch (err) {
    await fleet.close();
    throw err;
  }
  return fleet;
}

/** Three appliances of site-a heard on one prefix, each holding the one file. */
export const SITE_OF_THREE: ApplianceSpec[] = ['a1', 'a2', 'a3'].map((id) => ({
  id,
  prefixes: ['10.1.0.0/16'],
  files: ['t1-v'],
  chaos: 'on',
}));
