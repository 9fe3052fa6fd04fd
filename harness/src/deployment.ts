// The demo's deployment, shared by `ferry demo`, `ferry bench failover` and `ferry bench chaos`:
// content generated once, every appliance's store holding all of it, control on SQLite with
// the catalog, the appliances with their BGP feeds, and a wait until control steers to all
// of them. Returned is the running Topology; the caller stops it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContentStore, generateContent } from '@ferry/appliance';
import { type Catalog, parseCatalog } from '@ferry/protocol';
import { waitUntil } from './eventually.js';
import { type ApplianceSpec, Topology, type TopologyOptions, writeDemoKeys } from './topology.js';

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
  content: { titles: number; minutes: number; seed: string };
  /** lines for the operator as the deployment comes up */
  say?: (line: string) => void;
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
    opts.say?.(`generating ${opts.content.titles} synthetic titles in ${contentDir}`);
    catalog = generateContent({ out: contentDir, ...opts.content }).catalog;
  }
  const specs: ApplianceSpec[] = opts.appliances.map((s) => ({
    ...s,
    store: join(opts.dir, `store-${s.id}`),
  }));
  for (const spec of specs) await fillStore(spec.store, contentDir, catalog);
  const keys = writeDemoKeys(opts.dir);
  const topo = new Topology(opts.dir, opts);
  try {
    await topo.startControl(keys);
    await topo.loadCatalog(catalogPath);
    opts.say?.(`control on ${topo.controlUrl} (SQLite ${join(opts.dir, 'control.db')})`);
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
  } catch (err) {
    await topo.stop();
    throw err;
  }
  return { topo, catalog, catalogPath, specs };
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
