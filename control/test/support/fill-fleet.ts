// A real control app set up for fill (docs/fill.md): a URL token key (peer sources are
// signed), a catalog of small files with an initial popularity, and scripted appliances
// that heartbeat with disks, inventory, fill reports and served bytes, and ask for their
// manifest signed as the real agent does. Each appliance's /healthz listens on its own
// loopback address, which its heartbeat url names, so fill tokens bind to it.

import { eventually } from '@ferry/harness';
import { createKeyRing, type FillReport, generateKey, type KeyRing, signRequest } from '@ferry/protocol';
import type { ControlConfig, FillConfig } from '../../src/config.js';
import { DEFAULTS } from '../../src/config.js';
import type { TestIdentity } from './fleet-auth.js';
import {
  type Answer,
  type CountingHealthz,
  rawCall,
  startHealthz,
  startTestControl,
  type TestControl,
} from './test-control.js';

export const FILE_SIZE = 1000;

/** One title per file (`t0`…), file `fN` of FILE_SIZE bytes, popularity falling with N. */
export function fillCatalog(
  files: number,
  popularity: (i: number) => number | undefined = (i) => 1e6 / (i + 1),
) {
  return {
    version: 1,
    generatedAt: '2026-12-01T00:00:00Z',
    seed: 'fill',
    titles: Array.from({ length: files }, (_, i) => {
      const pop = popularity(i);
      return {
        id: `t${i}`,
        name: `Title ${i}`,
        durationSec: 4,
        streams: [
          {
            streamId: `f${i}`,
            kind: 'video',
            bitrate: 1_000_000,
            size: FILE_SIZE,
            sha256: String(i % 10).repeat(64),
            segmentDurationSec: 4,
            segments: [{ index: 0, start: 0, length: FILE_SIZE, durationSec: 4 }],
            ...(pop === undefined ? {} : { popularity: pop }),
          },
        ],
      };
    }),
  };
}

export interface FillControl {
  t: TestControl;
  keys: KeyRing;
  appliances: FillAppliance[];
  /** an appliance of `site` whose url names `host` (a loopback address of its own) */
  appliance(id: string, site: string, host: string): Promise<FillAppliance>;
  postCatalog(catalog: unknown): Promise<void>;
  viewer(method: string, path: string): Promise<Answer>;
  close(): Promise<void>;
}

export async function startFillControl(
  fill: Partial<FillConfig> = {},
  over: Partial<ControlConfig> = {},
): Promise<FillControl> {
  const keys = createKeyRing([generateKey('fill1')]);
  const t = await startTestControl({ fill: { ...DEFAULTS.fill, ...fill }, ...over }, { keys });
  const appliances: FillAppliance[] = [];
  const f: FillControl = {
    t,
    keys,
    appliances,
    async appliance(id, site, host) {
      const identity = await t.fleet.enroll(id, site, [host]);
      const healthz = await startHealthz(host);
      const a = new FillAppliance(t, identity, site, healthz);
      appliances.push(a);
      return a;
    },
    async postCatalog(catalog) {
      const r = await rawCall(t.base, 'POST', '/v1/catalog', {
        body: JSON.stringify(catalog),
        headers: { authorization: `Bearer ${t.tokens.admin}` },
      });
      if (r.status !== 200) throw new Error(`catalog refused: ${r.status} ${JSON.stringify(r.json)}`);
    },
    viewer: (method, path) =>
      rawCall(t.base, method, path, { headers: { authorization: `Bearer ${t.tokens.viewer}` } }),
    async close() {
      for (const a of appliances) await a.healthz.stop();
      await t.close();
    },
  };
  return f;
}

export interface BeatOptions {
  /** the whole inventory (sent in full every time) */
  files?: string[];
  diskBytes?: number;
  fill?: Partial<FillReport> | null;
  served?: { fileId: string; bytes: number }[];
  loadBps?: number;
  /** BGP prefixes it heard (a full snapshot every time) */
  prefixes?: string[];
}

export function fillReport(over: Partial<FillReport> = {}): FillReport {
  return {
    manifestVersion: null,
    wanted: 0,
    held: 0,
    filling: 0,
    failed: 0,
    bytesToGo: 0,
    bytesPerSec: 0,
    window: 'open',
    corrupt: [],
    errors: [],
    ...over,
  };
}

export class FillAppliance {
  private seq = 0;
  private inventoryVersion = 0;
  readonly boot: string;

  constructor(
    private readonly t: TestControl,
    readonly identity: TestIdentity,
    readonly site: string,
    readonly healthz: CountingHealthz,
  ) {
    this.boot = `${identity.id}boot0000000000`
      .slice(0, 16)
      .padEnd(16, '0')
      .replace(/[^A-Za-z0-9_-]/g, '0');
  }

  get id(): string {
    return this.identity.id;
  }

  get url(): string {
    return this.healthz.url;
  }

  /** One signed heartbeat; a fill report unless `fill: null` (an appliance that does not fill). */
  async beat(o: BeatOptions = {}): Promise<Answer> {
    const hb = {
      url: this.url,
      site: this.site,
      version: '0.1.0',
      state: 'serving',
      boot: this.boot,
      seq: ++this.seq,
      load: { bitsPerSecond: o.loadBps ?? 0, connections: 0 },
      capacity: { bitsPerSecond: 1e9 },
      disks: [{ id: 'd1', state: 'ok', bytes: o.diskBytes ?? 1e9 }],
      inventory: { kind: 'full', version: ++this.inventoryVersion, files: o.files ?? [] },
      ...(o.fill === null ? {} : { fill: fillReport(o.fill) }),
      ...(o.served ? { served: o.served } : {}),
      ...(o.prefixes
        ? {
            routes: {
              kind: 'snapshot',
              epoch: 'e1',
              version: this.seq,
              routes: o.prefixes.map((prefix) => ({ prefix })),
            },
          }
        : {}),
    };
    const path = `/v1/appliances/${this.id}/heartbeat`;
    const body = JSON.stringify(hb);
    const r = await rawCall(this.t.base, 'POST', path, {
      body,
      headers: this.t.fleet.headers('POST', path, body),
    });
    if (r.status !== 200) throw new Error(`heartbeat of ${this.id}: ${r.status} ${JSON.stringify(r.json)}`);
    return r;
  }

  /** GET its manifest, signed by itself (or by `signer`, or with `headers` as given). */
  manifest(
    opts: { signer?: TestIdentity; headers?: Record<string, string>; path?: string } = {},
  ): Promise<Answer> {
    const path = opts.path ?? `/v1/appliances/${this.id}/manifest`;
    const signer = opts.signer ?? this.identity;
    const headers = opts.headers ?? {
      authorization: signRequest({ method: 'GET', path }, { id: signer.id, key: signer.key }),
    };
    return rawCall(this.t.base, 'GET', path, { headers });
  }

  /** Its manifest's files, once it answers 200. */
  async wanted(): Promise<string[]> {
    const r = await this.manifest();
    if (r.status !== 200) throw new Error(`manifest of ${this.id}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json.files.map((f: { fileId: string }) => f.fileId);
  }

  async waitHealthy(): Promise<void> {
    await eventually(() => this.t.control.model.getAppliance(this.id)?.health === 'healthy', {
      what: `${this.id} healthy`,
      timeoutMs: 10_000,
      intervalMs: 20,
    });
  }
}
