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
  /** control's --fill-capacity, bytes per appliance */
  capacityBytes?: number;
  /** the appliances' --fill-manifest-interval, seconds */
  manifestIntervalSec?: number;
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

/**
 * Flags given only where the build has them: control's `--fill-capacity` (for appliances whose
 * heartbeats report what their disks hold, not their size: an empty store would get nothing
 * placed) and the appliance's `--fill-manifest-interval` (so a run measures fetching, not the
 * wait for the next manifest poll).
 */
export const OPTIONAL_FILL_FLAGS = {
  control: ['--fill-capacity'],
  appliance: ['--fill-manifest-interval'],
} as const;

export interface FillSupport {
  /** flags of FILL_FLAGS the build lacks, as `ferry COMMAND --flag`: with any, no Ferry run can work */
  missing: string[];
  /** flags of OPTIONAL_FILL_FLAGS the build has */
  optional: Set<string>;
}

/** The flags of `flags` that a command's `--help` text does not list (pure). */
export function flagsMissingFromHelp(help: string, flags: readonly string[]): string[] {
  return flags.filter((flag) => !new RegExp(`(^|[\\s,])${flag}[\\s<=]`, 'm').test(help));
}

/** What this build's `ferry control --help` and `ferry appliance --help` list. */
export async function fillSupport(group: ProcessGroup): Promise<FillSupport> {
  const out: FillSupport = { missing: [], optional: new Set() };
  for (const command of ['control', 'appliance'] as const) {
    const r = await runToCompletion(group, {
      name: `ferry ${command} --help`,
      command: process.execPath,
      args: [FERRY_BIN, command, '--help'],
      timeoutMs: 30_000,
    });
    out.missing.push(
      ...flagsMissingFromHelp(r.stdout, FILL_FLAGS[command]).map((f) => `ferry ${command} ${f}`),
    );
    const lacking = new Set(flagsMissingFromHelp(r.stdout, OPTIONAL_FILL_FLAGS[command]));
    for (const f of OPTIONAL_FILL_FLAGS[command]) if (!lacking.has(f)) out.optional.add(f);
  }
  return out;
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
  manifestIntervalSec?: number;
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
    // Manifests name objects by file id (control's --origin-prefix is empty), read under the
    // appliance's own bucket and prefix.
    '--origin',
    `s3://${o.origin.bucket}/${o.origin.prefix}`,
    '--origin-endpoint',
    o.origin.proxy.url,
    '--fill-window',
    'always',
    '--fill-concurrency',
    String(o.fillConcurrency),
    ...(o.fillRate !== undefined ? ['--fill-rate', String(o.fillRate)] : []),
    ...(o.manifestIntervalSec !== undefined
      ? ['--fill-manifest-interval', String(o.manifestIntervalSec)]
      : []),
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
  const topo = new Topology(o.dir, {
    controlArgs: [
      '--origin-prefix',
      '',
      ...(o.capacityBytes !== undefined ? ['--fill-capacity', String(o.capacityBytes)] : []),
    ],
  });
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
