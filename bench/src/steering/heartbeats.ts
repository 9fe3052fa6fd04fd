// The bench's stand-in appliances talking to control over its real HTTP API: opening
// heartbeats each with the full routes snapshot (in parts of PART_ROUTES, as the agent sends
// them: control takes at most 16 MiB per heartbeat) and inventory, then a light heartbeat every
// second (as real appliances send) so none goes stale during the run. Own undici pool. Each
// stand-in is enrolled with a key pair of its own and signs every heartbeat, as control
// requires (an Ed25519 signature is tens of microseconds: nothing beside the JSON).
import type { KeyObject } from 'node:crypto';
import { ControlClient, generateSigningKeyPair, type Heartbeat, loadPrivateKey } from '@ferry/protocol';
import { Pool } from 'undici';
import type { ApplianceSpec, Layout } from './layout.js';
import { routesOf } from './layout.js';

const REQUEST_TIMEOUT_MS = 120_000;
const INTERVAL_MS = 1000;
// Parallel opening heartbeats: enough to overlap JSON building with control's ingest.
const OPENING_CONCURRENCY = 4;
/** Routes per snapshot part, as appliance/src/agent/route-report.ts sends them. */
const PART_ROUTES = 20_000;

interface Beat {
  readonly spec: ApplianceSpec;
  readonly url: string;
  readonly key: KeyObject;
  seq: number;
}

/** One boot id for the whole bench run: every stand-in starts its seq at 0 in it. */
const BOOT = 'benchboot0000000';

export interface HeartbeatFleet {
  /** Sends every appliance's snapshot heartbeat; beats start for each as soon as it is in. */
  open(input: { layout: Layout; held: Map<string, string[]> }): Promise<void>;
  /** Heartbeats sent and failed since start. */
  stats(): { sent: number; failed: number; lastError: string };
  stop(): Promise<void>;
}

function base(b: Beat): Omit<Heartbeat, 'seq'> {
  return {
    url: b.url,
    site: b.spec.site,
    version: 'bench',
    state: 'serving',
    boot: BOOT,
    // Varied, low load: sites are ordered by spare capacity, none is near the headroom limit.
    load: { bitsPerSecond: (1 + (b.spec.slot % 5)) * 1e8, connections: 10 },
    capacity: { bitsPerSecond: 1e10 },
    disks: [{ id: 'd0', state: 'ok', bytes: 4e12 }],
  };
}

export function heartbeatFleet(input: {
  controlUrl: string;
  /** operator token: each stand-in is enrolled before its first heartbeat */
  token?: string;
  urlOf: (id: string) => string;
  appliances: number;
}): HeartbeatFleet {
  // A connection per appliance, as each real appliance has its own: a few shared connections
  // would queue a second's heartbeats behind each other under load and make them go stale.
  const pool = new Pool(input.controlUrl, { connections: Math.max(OPENING_CONCURRENCY, input.appliances) });
  const control = new ControlClient({
    baseUrl: input.controlUrl,
    dispatcher: pool,
    timeoutMs: REQUEST_TIMEOUT_MS,
    ...(input.token ? { token: input.token } : {}),
  });
  const live: Beat[] = [];
  let sent = 0;
  let failed = 0;
  let lastError = '';
  let stopped = false;

  async function tick(): Promise<void> {
    await Promise.all(
      live.map(async (b) => {
        b.seq++;
        try {
          await control.heartbeat(b.spec.id, JSON.stringify({ ...base(b), seq: b.seq }), {
            signingKey: b.key,
          });
          sent++;
        } catch (err) {
          failed++;
          lastError = (err as Error).message;
        }
      }),
    );
  }

  const loop = (async () => {
    // Ends when stop() is called; each pass waits for its own heartbeats, so they never pile up.
    while (!stopped) {
      const started = Date.now();
      await tick();
      await new Promise((r) => setTimeout(r, Math.max(0, INTERVAL_MS - (Date.now() - started))));
    }
  })();

  return {
    async open({ layout, held }) {
      const queue = layout.sites.flatMap((site) => site.appliances.map((spec) => ({ site, spec })));
      const worker = async () => {
        for (let job = queue.shift(); job; job = queue.shift()) {
          const pair = generateSigningKeyPair();
          const url = input.urlOf(job.spec.id);
          await control.enrollAppliance({
            id: job.spec.id,
            site: job.spec.site,
            publicKey: pair.publicKey,
            urlHosts: [new URL(url).hostname],
          });
          const beat: Beat = { spec: job.spec, url, key: loadPrivateKey(pair.privateKeyPem), seq: 0 };
          // Routes as an appliance's BGP feed reports them: with what steering breaks ties on
          // (all equal within a site, so the tie-breaks run on every answer and the rendezvous
          // order still decides).
          const siteAs = 64_512 + layout.sites.indexOf(job.site);
          const routes = routesOf(layout, job.site, job.spec).map((prefix) => ({
            prefix,
            peer: 'upstream',
            asPath: [65_000, siteAs],
            localPref: 100,
            med: 0,
            origin: 'igp' as const,
          }));
          const count = Math.max(1, Math.ceil(routes.length / PART_ROUTES));
          for (let index = 0; index < count; index++) {
            const hb: Heartbeat = {
              ...base(beat),
              seq: beat.seq++,
              routes: {
                kind: 'snapshot',
                epoch: 'bench',
                version: 1,
                ...(count > 1 ? { part: { index, count } } : {}),
                routes: routes.slice(index * PART_ROUTES, (index + 1) * PART_ROUTES),
              },
              inventory: { kind: 'full', version: 1, files: held.get(job.spec.id) ?? [] },
            };
            await control.heartbeat(job.spec.id, JSON.stringify(hb), { signingKey: beat.key });
            sent++;
          }
          live.push(beat);
        }
      };
      await Promise.all(Array.from({ length: OPENING_CONCURRENCY }, worker));
    },
    stats: () => ({ sent, failed, lastError }),
    async stop() {
      stopped = true;
      await loop;
      await pool.close();
    },
  };
}
