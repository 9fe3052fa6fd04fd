// Control's side of chaos for the appliance's tests: a FakeControl whose heartbeat replies
// carry orders signed with a chaos key of the test's own (signChaosOrders, as control does),
// listing the faults the test wants now with the time each has left; and a real appliance
// reporting to it with `--chaos on` and that key's public half.
import type { KeyObject } from 'node:crypto';
import { eventually } from '@ferry/harness';
import {
  type ChaosFault,
  type ChaosOrders,
  type ChaosParams,
  type FaultKind,
  generateSigningKeyPair,
  type Heartbeat,
  loadPrivateKey,
  signChaosOrders,
} from '@ferry/protocol';
import type { ChaosStatus } from '../../src/chaos/executor.js';
import type { ApplianceConfig } from '../../src/config.js';
import { FakeControl } from '../agent-fake-control.js';
import { type Fixture, startFixture } from './appliance-fixture.js';
import { get, json } from './http-client.js';

export interface Wanted {
  experimentId: string;
  kind: FaultKind;
  params?: ChaosParams;
  durationMs: number;
}

export class ChaosControl {
  readonly fake = new FakeControl();
  readonly key: KeyObject;
  /** the public key as `--chaos-verify-key` takes it */
  readonly publicKey: string;
  leaseMs = 3000;
  private wanted = new Map<string, { w: Wanted; endsAtMs: number }>();
  private lastIssued = 0;
  /** replaces the orders in every reply while set (forged, replayed, … orders) */
  override: ((hb: Heartbeat) => unknown) | undefined;
  /** true: replies carry no chaos field at all */
  noOrders = false;

  constructor() {
    const pair = generateSigningKeyPair();
    this.key = loadPrivateKey(pair.privateKeyPem);
    this.publicKey = pair.publicKey;
    this.fake.chaos = (hb) =>
      this.override ? this.override(hb) : this.noOrders ? undefined : this.ordersFor(hb);
  }

  async start(): Promise<this> {
    await this.fake.start();
    return this;
  }

  get url(): string {
    return this.fake.url;
  }

  /** From now on the orders list this fault, for `durationMs` from now. */
  want(w: Wanted): void {
    this.wanted.set(w.experimentId, { w, endsAtMs: Date.now() + w.durationMs });
  }

  /** The orders stop listing this fault (control aborted it). */
  drop(experimentId: string): void {
    this.wanted.delete(experimentId);
  }

  /** Orders for this heartbeat's appliance and boot, as control would sign them now. */
  ordersFor(hb: Heartbeat, over: Partial<ChaosOrders> = {}, key = this.key): unknown {
    // Strictly increasing, as control's are: two replies in one millisecond must not look replayed.
    const issuedAtMs = Math.max(Date.now(), this.lastIssued + 1);
    this.lastIssued = issuedAtMs;
    const faults: ChaosFault[] = [...this.wanted.values()]
      .map(({ w, endsAtMs }) => ({
        experimentId: w.experimentId,
        kind: w.kind,
        params: w.params ?? {},
        remainingMs: Math.max(0, endsAtMs - issuedAtMs),
      }))
      .filter((f) => f.remainingMs > 0);
    const orders: ChaosOrders = {
      v: 1,
      applianceId: this.fake.heartbeats.at(-1)?.id ?? 'chaos-appliance',
      boot: hb.boot,
      issuedAtMs,
      leaseMs: this.leaseMs,
      faults,
      ...over,
    };
    return signChaosOrders(orders, key);
  }

  stop(): Promise<void> {
    return this.fake.stop();
  }
}

export interface ChaosFixture {
  fx: Fixture;
  control: ChaosControl;
  stop(): Promise<void>;
}

/** A real appliance (id chaos-appliance, 100 ms heartbeats) taking orders from a ChaosControl. */
export async function startChaosFixture(
  opts: {
    files?: Record<string, number>;
    disks?: number;
    config?: Partial<ApplianceConfig>;
    chaos?: 'on' | 'off';
  } = {},
): Promise<ChaosFixture> {
  const control = await new ChaosControl().start();
  let fx: Fixture;
  try {
    fx = await startFixture({
      files: opts.files,
      disks: opts.disks,
      config: {
        id: 'chaos-appliance',
        control: control.url,
        heartbeatMs: 100,
        chaos: { mode: opts.chaos ?? 'on', verifyKeys: [control.publicKey] },
        ...opts.config,
      },
    });
  } catch (err) {
    await control.stop();
    throw err;
  }
  return {
    fx,
    control,
    async stop() {
      await fx.stop();
      await control.stop();
    },
  };
}

/** The appliance's /v1/status `chaos` object. */
export async function chaosStatus(fx: Fixture): Promise<ChaosStatus> {
  return json(await get(`${fx.adminUrl}/v1/status`)).chaos as ChaosStatus;
}

/** Waits until the experiment runs (true) or no longer runs (false) on the appliance. */
export async function waitRunning(
  fx: Fixture,
  experimentId: string,
  running: boolean,
  timeoutMs = 5000,
): Promise<void> {
  await eventually(
    async () => {
      const s = await chaosStatus(fx);
      return s.active.some((a) => a.experimentId === experimentId) === running;
    },
    { what: `${experimentId} ${running ? 'running' : 'reverted'}`, timeoutMs },
  );
}

/** One GET's wall time in ms, with its status and body length. */
export async function timedGet(url: string, headers: Record<string, string> = {}) {
  const t0 = performance.now();
  const r = await get(url, headers);
  return { ms: performance.now() - t0, status: r.status, bytes: r.body.length, reply: r };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
