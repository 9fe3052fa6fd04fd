// The demo's deployment, shared by `ferry demo`, `ferry bench failover` and `ferry bench chaos`:
// content generated once, every appliance's store holding all of it, control on SQLite with
// the catalog, the appliances with their BGP feeds, and a wait until control steers to all
// of them. Returned is the running Topology; the caller stops it.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContentStore, generateContent, generateMediaContent } from '@ferry/appliance';
import { type Catalog, parseCatalog } from '@ferry/protocol';
import { waitUntil } from './eventually.js';
import { uploadToOrigin } from './origin-upload.js';
import { ProcessGroup } from './processes.js';
import { startS3Server } from './s3-server.js';
import { type ApplianceSpec, Topology, type TopologyOptions, writeDemoKeys } from './topology.js';
import { waitTurnedUp } from './turnup-wait.js';

export interface SiteSpec {
  id: string;
  site: string;
  address: string;
  prefix: string;
}

/**
 * The demo's layout: three appliances in `isp-east` hearing 127.64.0.0/16 (viewers' even
 * addresses, demoViewerAddress) and one in `isp-west` hearing 127.65.0.0/16, on
 * 127.0.0.{first … first+3}: a site of three, so one experiment at a time takes a third of it.
 */
export function demoSites(first: number): SiteSpec[] {
  const at = (i: number) => `127.0.0.${first + i}`;
  return [
    { id: 'east-1', site: 'isp-east', address: at(0), prefix: '127.64.0.0/16' },
    { id: 'east-2', site: 'isp-east', address: at(1), prefix: '127.64.0.0/16' },
    { id: 'east-3', site: 'isp-east', address: at(2), prefix: '127.64.0.0/16' },
    { id: 'west-1', site: 'isp-west', address: at(3), prefix: '127.65.0.0/16' },
  ];
}

export interface DeploymentOptions extends TopologyOptions {
  dir: string;
  appliances: readonly SiteSpec[];
  /**
   * Titles to generate when the directory holds no catalog yet: synthetic bytes, or with
   * `media` real video made by ffmpeg (docs/players.md), which browser players can decode.
   */
  content: {
    titles: number;
    minutes: number;
    seed: string;
    media?: { ladder?: readonly string[]; segmentSeconds?: number };
  };
  /**
   * Start the stores empty and fill them from an S3 origin on loopback (s3rver): control's
   * placement decides what each appliance holds, the appliances fetch it (one origin read per
   * site, peers after), and the deployment is ready once every appliance holds its manifest.
   */
  fillFromOrigin?: boolean;
  /** lines for the operator as the deployment comes up */
  say?: (line: string) => void;
  /** called once control is up with its catalog, before any appliance starts */
  onControl?: (topo: Topology) => void;
  signal?: AbortSignal;
}

export interface Deployment {
  topo: Topology;
  catalog: Catalog;
  catalogPath: string;
  specs: ApplianceSpec[];
}

export async function startDeployment(opts: DeploymentOptions): Promise<Deployment> {
  const contentDir = join(opts.dir, 'content');
  const catalogPath = join(contentDir, 'catalog.json');
  let catalog: Catalog;
  if (existsSync(catalogPath)) {
    catalog = parseCatalog(JSON.parse(readFileSync(catalogPath, 'utf8')));
  } else {
    const { media, ...content } = opts.content;
    opts.say?.(`generating ${content.titles} ${media ? 'media' : 'synthetic'} titles in ${contentDir}`);
    catalog = media
      ? await generateMediaContent({ out: contentDir, ...content, ...media })
      : generateContent({ out: contentDir, ...content }).catalog;
  }
  const specs: ApplianceSpec[] = opts.appliances.map((s) => ({
    ...s,
    store: join(opts.dir, `store-${s.id}`),
  }));
  let origin: OriginSetup | undefined;
  if (opts.fillFromOrigin) {
    for (const spec of specs) rmSync(spec.store, { recursive: true, force: true });
    catalog = withPopularity(catalog, catalogPath);
    origin = await startOrigin(contentDir, catalog, opts.say);
  } else {
    for (const spec of specs) await fillStore(spec.store, contentDir, catalog);
  }
  const keys = writeDemoKeys(opts.dir);
  const topo = new Topology(
    opts.dir,
    origin
      ? {
          ...opts,
          env: { ...opts.env, ...origin.env },
          applianceArgs: [...(opts.applianceArgs ?? []), ...origin.applianceArgs],
        }
      : opts,
  );
  if (origin) topo.adopt(origin.stop);
  try {
    await topo.startControl(keys);
    await topo.loadCatalog(catalogPath);
    opts.say?.(`control on ${topo.controlUrl} (SQLite ${join(opts.dir, 'control.db')})`);
    opts.onControl?.(topo);
    for (const spec of specs) {
      await topo.startAppliance(spec, keys);
      opts.say?.(
        `appliance ${spec.id} (${spec.site}) on ${topo.applianceUrls.get(spec.id)}, BGP feed: ${spec.prefix}`,
      );
    }
    const client = topo.client(2000);
    // Routes reach control in heartbeats, health needs a few good probes, and chaos needs
    // every appliance's first report of its chaos mode.
    await waitUntil(
      async () => {
        const list = await client.listAppliances({ signal: opts.signal }).catch(() => []);
        return list.filter((a) => a.health === 'healthy' && a.routes > 0).length === specs.length;
      },
      { what: 'every appliance healthy at control, with its routes', timeoutMs: 30_000, intervalMs: 200 },
    );
    if (origin) await waitFilled(topo, specs, opts);
    await waitTurnedUp(
      client,
      specs.map((s) => s.id),
      { signal: opts.signal },
    );
  } catch (err) {
    await topo.stop();
    throw err;
  }
  return { topo, catalog, catalogPath, specs };
}

interface OriginSetup {
  env: Record<string, string>;
  applianceArgs: string[];
  stop: () => Promise<void>;
}

const ORIGIN_BUCKET = 'ferry-origin';
const ORIGIN_PREFIX = 'content';

/**
 * Every stream equally popular (in bytes served: a full view of the largest stream each), so
 * that placement spreads several copies of every file over a site and a game day can take one
 * appliance out while the site still serves everything (control's coverage rule refuses an
 * experiment otherwise). Measured: each of the three east appliances holds all 32 files.
 */
function withPopularity(catalog: Catalog, catalogPath: string): Catalog {
  const top = Math.max(...catalog.titles.flatMap((t) => t.streams.map((s) => s.size)));
  const ranked: Catalog = {
    ...catalog,
    titles: catalog.titles.map((t) => ({
      ...t,
      streams: t.streams.map((s) => ({ ...s, popularity: top })),
    })),
  };
  // Atomic: a half-written catalog would stop every later run.
  writeFileSync(`${catalogPath}.tmp`, `${JSON.stringify(ranked, null, 2)}\n`);
  renameSync(`${catalogPath}.tmp`, catalogPath);
  return ranked;
}

/** s3rver on loopback holding the content under `content/`, put there by `ferry origin upload`. */
async function startOrigin(
  contentDir: string,
  catalog: Catalog,
  say?: (line: string) => void,
): Promise<OriginSetup> {
  const s3 = await startS3Server({ buckets: [ORIGIN_BUCKET] });
  const group = new ProcessGroup();
  try {
    await uploadToOrigin({
      group,
      s3,
      bucket: ORIGIN_BUCKET,
      prefix: ORIGIN_PREFIX,
      contentDir,
      timeoutMs: 5 * 60_000,
    });
    const files = catalog.titles.flatMap((t) => t.streams).length;
    say?.(
      `origin: S3 (s3rver) on ${s3.endpoint}, bucket ${ORIGIN_BUCKET}, ${files} files under ${ORIGIN_PREFIX}/`,
    );
  } catch (err) {
    await s3.stop();
    throw err;
  }
  return {
    env: s3.env(),
    applianceArgs: [
      '--fill',
      'on',
      '--origin',
      `s3://${ORIGIN_BUCKET}/${ORIGIN_PREFIX}`,
      '--origin-endpoint',
      s3.endpoint,
      '--fill-window',
      'always',
      '--fill-manifest-interval',
      '1',
    ],
    stop: () => s3.stop(),
  };
}

/** Until control's fill view says every appliance holds all it was given (and was given something). */
async function waitFilled(
  topo: Topology,
  specs: readonly ApplianceSpec[],
  opts: DeploymentOptions,
): Promise<void> {
  const client = topo.client(2000);
  const started = Date.now();
  let last = '';
  await waitUntil(
    async () => {
      if (opts.signal?.aborted) throw new Error('stopped while filling');
      const views = await Promise.all(specs.map((s) => client.getFill(s.id).catch(() => undefined)));
      const line = views.map((v, i) => `${specs[i]!.id} ${v ? `${v.held}/${v.wanted}` : '?'}`).join(', ');
      if (line !== last) opts.say?.(`filling from the origin: ${line}`);
      last = line;
      return views.every((v) => v !== undefined && v.wanted > 0 && v.held >= v.wanted && v.filling === 0);
    },
    { what: 'every appliance filled from the origin', timeoutMs: 120_000, intervalMs: 500 },
  );
  opts.say?.(`filled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Adds what the store lacks (or holds with another checksum); runs again are cheap. */
async function fillStore(storeDir: string, contentDir: string, catalog: Catalog): Promise<void> {
  const store = ContentStore.open([storeDir]);
  try {
    for (const title of catalog.titles) {
      for (const s of title.streams) {
        if (store.lookup(s.streamId)?.sha256 === s.sha256) continue;
        await store.add(join(contentDir, s.streamId), s.streamId);
      }
    }
  } finally {
    store.close();
  }
}
