// Ferry's side of `ferry bench fill`, from real processes: `ferry control` on SQLite with the
// catalog and `--origin-prefix` (its placement decides what each appliance holds), and
// appliances of one site started with `--fill on` against the bench origin, each holding the
// serving title before it starts (added to its store as `ferry content add` would). The
// appliances are enrolled for their own loopback address, so control can bind the fill tokens
// of peer sources to it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ContentStore, createIdentityKey } from '@ferry/appliance';
import {
  type Child,
  FERRY_BIN,
  type ProcessGroup,
  runToCompletion,
  Topology,
  waitUntil,
  writeDemoKeys,
} from '@ferry/harness';
import type { BenchOrigin } from './origin.js';
import type { FillObject } from './plan.js';

export const FILL_SITE = 'fill-site';
const READY_TIMEOUT_MS = 30_000;

export interface FleetAppliance {
  readonly id: string;
  readonly address: string;
  readonly url: string;
  readonly adminUrl: string;
  readonly child: Child;
  /** Date.now() when it printed its listeners */
  readonly readyAtMs: number;
}

export interface FillFleet {
  readonly controlUrl: string;
  /** the admin operator token of this control */
  readonly token: string;
  /** URL token keys shared by control and the appliances (the bench signs its load with them) */
  readonly keyFile: string;
  readonly appliances: readonly FleetAppliance[];
  stop(): Promise<void>;
}

export interface FillFleetOptions {
  group: ProcessGroup;
  dir: string;
  catalogPath: string;
  contentDir: string;
  origin: BenchOrigin;
  /** one loopback address each (127.0.0.x) */
  appliances: readonly { id: string; address: string }[];
  serve: readonly FillObject[];
  fillConcurrency: number;
  fillRate?: number;
}

/** The flags these runs give `ferry control` and `ferry appliance`. */
export const FILL_FLAGS = {
  control: ['--origin-prefix'],
  appliance: [
    '--fill',
    '--origin',
    '--origin-endpoint',
    '--fill-window',
    '--fill-concurrency',
    '--fill-rate',
  ],
} as const;

/** The flags of `flags` that a command's `--help` text does not list (pure). */
export function flagsMissingFromHelp(help: string, flags: readonly string[]): string[] {
  return flags.filter((flag) => !new RegExp(`(^|[\\s,])${flag}[\\s<=]`, 'm').test(help));
}

/** Flags of FILL_FLAGS that this build's `--help` does not list: with any, no Ferry run can work. */
export async function missingFillFlags(group: ProcessGroup): Promise<string[]> {
  const missing: string[] = [];
  for (const [command, flags] of Object.entries(FILL_FLAGS)) {
    const r = await runToCompletion(group, {
      name: `ferry ${command} --help`,
      command: process.execPath,
      args: [FERRY_BIN, command, '--help'],
      timeoutMs: 30_000,
    });
    missing.push(...flagsMissingFromHelp(r.stdout, flags).map((f) => `ferry ${command} ${f}`));
  }
  return missing;
}

async function preload(store: string, contentDir: string, serve: readonly FillObject[]): Promise<void> {
  const s = ContentStore.open([store], { checkIntervalMs: 0, flushIntervalMs: 0 });
  try {
    for (const f of serve) await s.add(join(contentDir, f.fileId), f.fileId, { expectedSha256: f.sha256 });
  } finally {
    s.close();
  }
}

interface ApplianceLaunch {
  id: string;
  address: string;
  store: string;
  controlUrl: string;
  identityKey: string;
  keyFile: string;
  origin: BenchOrigin;
  fillConcurrency: number;
  fillRate?: number;
}

function applianceArgs(o: ApplianceLaunch): string[] {
  return [
    FERRY_BIN,
    'appliance',
    '--id',
    o.id,
    '--site',
    FILL_SITE,
    '--listen',
    `${o.address}:0`,
    '--store',
    o.store,
    '--control',
    o.controlUrl,
    '--identity-key',
    o.identityKey,
    '--token-key-file',
    o.keyFile,
    '--access-log',
    'off',
    '--log-level',
    'warn',
    '--fill',
    'on',
    // The bucket alone: the manifest names each object by its whole key (control's
    // --origin-prefix and the file id), so a prefix here would be a second one.
    '--origin',
    `s3://${o.origin.bucket}`,
    '--origin-endpoint',
    o.origin.proxy.url,
    '--fill-window',
    'always',
    '--fill-concurrency',
    String(o.fillConcurrency),
    ...(o.fillRate !== undefined ? ['--fill-rate', String(o.fillRate)] : []),
  ];
}

async function listeners(child: Child, id: string): Promise<{ url: string; adminUrl: string }> {
  let url = '';
  let adminUrl = '';
  await waitUntil(
    async () => {
      const err = child.stderr();
      url = /serving on (http:\/\/\S+)/.exec(err)?.[1] ?? '';
      adminUrl = /admin on (http:\/\/\S+)/.exec(err)?.[1] ?? '';
      return url !== '' && adminUrl !== '';
    },
    { what: `appliance ${id}`, timeoutMs: READY_TIMEOUT_MS, intervalMs: 50, child },
  );
  return { url, adminUrl };
}

export async function startFillFleet(o: FillFleetOptions): Promise<FillFleet> {
  mkdirSync(o.dir, { recursive: true });
  const keyFile = writeDemoKeys(o.dir);
  const topo = new Topology(o.dir, { controlArgs: ['--origin-prefix', o.origin.prefix] });
  const children: Child[] = [];
  const stop = async () => {
    await Promise.all(children.map((c) => o.group.stop(c)));
    await topo.stop();
  };
  try {
    await topo.startControl(keyFile);
    await topo.loadCatalog(o.catalogPath);
    const client = topo.client(5000);
    const prepared = [];
    for (const a of o.appliances) {
      const store = join(o.dir, `store-${a.id}`);
      await preload(store, o.contentDir, o.serve);
      const identityKey = join(o.dir, `identity-${a.id}`);
      const publicKey = await createIdentityKey(identityKey);
      await client.enrollAppliance({ id: a.id, site: FILL_SITE, publicKey, urlHosts: [a.address] });
      prepared.push({ ...a, store, identityKey });
    }
    // All started before any is waited for, so a site's appliances begin filling together.
    const started = prepared.map((a) => {
      const child = o.group.start({
        name: `appliance ${a.id}`,
        command: process.execPath,
        args: applianceArgs({ ...o, ...a, controlUrl: topo.controlUrl, keyFile }),
        env: { ...o.origin.env, NODE_ENV: 'production' },
        keepBytes: 256 * 1024,
      });
      children.push(child);
      return { ...a, child };
    });
    const appliances: FleetAppliance[] = [];
    for (const a of started) {
      const l = await listeners(a.child, a.id);
      appliances.push({ id: a.id, address: a.address, ...l, child: a.child, readyAtMs: Date.now() });
    }
    return { controlUrl: topo.controlUrl, token: topo.operatorToken, keyFile, appliances, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
