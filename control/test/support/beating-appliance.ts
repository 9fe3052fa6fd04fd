// A scripted appliance for the store-outage tests: a /healthz that always answers, and
// heartbeats every `intervalMs` that behave like the real agent (appliance/src/agent): a
// snapshot and a full inventory first and whenever control asks for a resync, deltas
// after, each heartbeat abandoned after the agent's 1 s timeout. Every few beats it learns
// a new prefix, so the state keeps moving while the store is away.
import type { KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signRequest } from '@ferry/protocol';

const HEARTBEAT_TIMEOUT_MS = 1000;
/** A test runs well under this; the loop stops by itself if a test forgets to. */
const MAX_BEATS = 2000;

export interface BeatLog {
  ok: number;
  failed: number;
  slowestMs: number;
  resyncs: number;
}

export class BeatingAppliance {
  readonly log: BeatLog = { ok: 0, failed: 0, slowestMs: 0, resyncs: 0 };
  /** the prefixes announced so far; the last one is the newest */
  readonly prefixes: string[] = ['10.0.0.0/16'];
  private seq = 0;
  private version = 1;
  private routesHeld: number | undefined;
  private inventoryHeld: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private healthz: Server | undefined;
  url = '';

  constructor(
    readonly id: string,
    private control: string,
    private readonly opts: {
      intervalMs?: number;
      newPrefixEvery?: number;
      files?: string[];
      /** its enrolled identity key: every heartbeat is signed with it, as control requires */
      key?: KeyObject;
    } = {},
  ) {}

  /** One process of the appliance: seq counts within it. */
  private readonly boot = 'beatingBoot00000';

  async listen(): Promise<void> {
    this.healthz = createServer((_req, res) => res.end('{"ok":true}'));
    await new Promise<void>((r) => this.healthz?.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.healthz.address() as AddressInfo).port}`;
  }

  /** Points the heartbeats at another control (a restarted one). */
  retarget(control: string): void {
    this.control = control;
  }

  start(): void {
    const beat = async () => {
      if (this.seq >= MAX_BEATS) return;
      this.inFlight = this.beatOnce();
      await this.inFlight;
      if (this.timer) this.timer = setTimeout(() => void beat(), this.opts.intervalMs ?? 200);
    };
    this.timer = setTimeout(() => void beat(), 0);
  }

  /** Stops heartbeating once the heartbeat in flight is answered; `start()` resumes. */
  async pause(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    // A heartbeat answered after control began to close would leave its keep-alive
    // connection open (fastify keeps idle ones 72 s), and control's close waiting on it.
    await this.inFlight;
  }

  async stop(): Promise<void> {
    await this.pause();
    this.healthz?.closeAllConnections();
    await new Promise<void>((r) => (this.healthz ? this.healthz.close(() => r()) : r()));
  }

  /** Routes version the appliance last had confirmed. */
  get routesVersion(): number {
    return this.version;
  }

  async beatOnce(): Promise<void> {
    const seq = this.seq++;
    const every = this.opts.newPrefixEvery ?? 5;
    const learned = seq > 0 && seq % every === 0;
    const next = learned ? this.version + 1 : this.version;
    const prefix = `10.${this.prefixes.length}.0.0/16`;
    const routes =
      this.routesHeld === undefined
        ? {
            kind: 'snapshot',
            epoch: 'e1',
            version: next,
            routes: [...this.prefixes, ...(learned ? [prefix] : [])].map((p) => ({ prefix: p })),
          }
        : {
            kind: 'delta',
            epoch: 'e1',
            since: this.routesHeld,
            version: next,
            announced: learned ? [{ prefix }] : [],
            withdrawn: [],
          };
    const files = this.opts.files ?? [];
    const inventory =
      this.inventoryHeld === undefined
        ? { kind: 'full', version: 1, files }
        : { kind: 'delta', since: 1, version: 1, added: [], removed: [] };
    const body = {
      url: this.url,
      site: 'site-a',
      version: '0.1.0',
      state: 'serving',
      boot: this.boot,
      seq,
      load: { bitsPerSecond: 0, connections: 0 },
      capacity: { bitsPerSecond: 1e9 },
      disks: [],
      routes,
      inventory,
    };
    const started = Date.now();
    try {
      const path = `/v1/appliances/${this.id}/heartbeat`;
      const text = JSON.stringify(body);
      const auth: Record<string, string> = this.opts.key
        ? {
            authorization: signRequest(
              { method: 'POST', path, body: text },
              { id: this.id, key: this.opts.key },
            ),
          }
        : {};
      const res = await fetch(`${this.control}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: text,
        signal: AbortSignal.timeout(HEARTBEAT_TIMEOUT_MS),
      });
      const reply = (await res.json()) as { routesResync?: boolean; inventoryResync?: boolean };
      if (res.status !== 200) throw new Error(`heartbeat answered ${res.status}`);
      this.log.ok++;
      if (reply.routesResync || reply.inventoryResync) this.log.resyncs++;
      this.routesHeld = reply.routesResync ? undefined : next;
      this.inventoryHeld = reply.inventoryResync ? undefined : 1;
      if (!reply.routesResync) {
        if (learned) this.prefixes.push(prefix);
        this.version = next;
      }
    } catch {
      this.log.failed++;
    } finally {
      this.log.slowestMs = Math.max(this.log.slowestMs, Date.now() - started);
    }
  }
}
