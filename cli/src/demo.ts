// `ferry demo`: the first thing a new user runs, with nothing to configure. It generates
// content, starts control on SQLite, three appliances in two sites on 127.0.0.x (each with
// its own store), gives each site its client prefix over BGP with `ferry announce`, loads
// the catalog, plays an audience from both sites' networks, kills one appliance half-way,
// and prints what the viewers saw and where the HTML report is. Every process it started
// is stopped on exit, Ctrl-C included.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ContentStore, generateContent } from '@ferry/appliance';
import { buildReport, type SessionQoe, writeReport } from '@ferry/client-sim';
import { type ApplianceSpec, demoViewerAddress, playViewers, Topology, writeDemoKeys } from '@ferry/harness';
import { type Catalog, type ControlClient, parseCatalog } from '@ferry/protocol';

export interface DemoOptions {
  dir: string;
  duration: number;
  sessions: number;
}

const SEED = 'ferry-demo';
const SITES = [
  { id: 'east-1', site: 'isp-east', address: '127.0.0.11', prefix: '127.64.0.0/16' },
  { id: 'east-2', site: 'isp-east', address: '127.0.0.12', prefix: '127.64.0.0/16' },
  { id: 'west-1', site: 'isp-west', address: '127.0.0.13', prefix: '127.65.0.0/16' },
] as const;
const VICTIM = 'east-1';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

export async function runDemo(opts: DemoOptions): Promise<void> {
  const dir = resolve(opts.dir);
  const contentDir = join(dir, 'content');
  const catalog = ensureContent(contentDir);
  const specs: ApplianceSpec[] = SITES.map((s) => ({ ...s, store: join(dir, `store-${s.id}`) }));
  for (const spec of specs) await ensureStore(spec.store, contentDir, catalog);
  const keys = writeDemoKeys(dir);

  const topo = new Topology(dir);
  const stop = new AbortController();
  const onSignal = () => {
    say('\nstopping (signal)');
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await topo.startControl(keys);
    await topo.loadCatalog(join(contentDir, 'catalog.json'));
    say(`control on ${topo.controlUrl} (SQLite ${join(dir, 'control.db')})`);
    for (const spec of specs) {
      await topo.startAppliance(spec, keys);
      say(
        `appliance ${spec.id} (${spec.site}) on ${topo.applianceUrls.get(spec.id)}, BGP feed: ${spec.prefix}`,
      );
    }
    await waitSteerable(topo.client(2000), catalog.titles[0]!.id, stop.signal);
    if (stop.signal.aborted) return;
    say(
      `\nplaying ${opts.sessions} viewers for ${opts.duration} s from 127.64.0.0/16 (east) and 127.65.0.0/16 (west)`,
    );
    say(`${VICTIM} will be killed (kill -9) after ${Math.round(opts.duration / 2)} s`);
    const sessions = await playAudience(topo, catalog, opts, stop.signal);
    const report = buildReport(sessions);
    const files = await writeReport(report, join(dir, 'report.html'), 'ferry demo');
    printSummary(sessions, report.summary);
    say(`\nreport: ${files.html}\n        ${files.json}`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await topo.stop();
    say('all demo processes stopped');
  }
}

async function playAudience(topo: Topology, catalog: Catalog, opts: DemoOptions, signal: AbortSignal) {
  const started = Date.now();
  const killAt = setTimeout(
    () => {
      topo.kill(VICTIM);
      say(`[${Math.round((Date.now() - started) / 1000)} s] killed ${VICTIM} (kill -9)`);
    },
    (opts.duration * 1000) / 2,
  );
  const progress = setInterval(() => {
    process.stderr.write(`[${Math.round((Date.now() - started) / 1000)} s] playing…\n`);
  }, 10_000);
  try {
    return await playViewers({
      control: topo.controlUrl,
      catalog,
      sessions: opts.sessions,
      durationSec: opts.duration,
      addressOf: demoViewerAddress,
      signal,
    });
  } finally {
    clearTimeout(killAt);
    clearInterval(progress);
  }
}

function printSummary(sessions: SessionQoe[], s: ReturnType<typeof buildReport>['summary']): void {
  const ms = (v: number) => `${Math.round(v)} ms`;
  say('\nwhat the viewers saw');
  say(`  viewers             ${s.sessions} (${s.started} started playing)`);
  say(`  startup time        p50 ${ms(s.startupMs.p50)}, p95 ${ms(s.startupMs.p95)}`);
  say(
    `  stalls              ${sessions.reduce((n, q) => n + q.stallCount, 0)} in all, rebuffer ratio p95 ${(s.rebufferRatio.p95 * 100).toFixed(2)} %`,
  );
  say(`  average bitrate     p50 ${(s.avgBitrate.p50 / 1e6).toFixed(2)} Mb/s`);
  say(`  failovers           ${s.failovers} (steers ${s.steers})`);
  for (const [id, bytes] of Object.entries(s.bytesByAppliance).sort()) {
    say(`  bytes from ${id.padEnd(8)} ${(bytes / 1e6).toFixed(1)} MB`);
  }
  const errors = Object.entries(s.errorsByCode);
  say(
    `  errors              ${errors.length === 0 ? 'none' : errors.map(([c, n]) => `${c} ×${n}`).join(', ')}`,
  );
}

async function waitSteerable(client: ControlClient, titleId: string, signal: AbortSignal): Promise<void> {
  // Routes reach control in heartbeats and health needs a few good probes.
  const deadline = Date.now() + 30_000;
  for (let i = 0; i < 300 && Date.now() < deadline && !signal.aborted; i++) {
    const ok = await Promise.all(
      ['127.64.0.1', '127.65.0.1'].map((ip) =>
        client
          .lookupRoute(ip, { signal })
          .then((b) => b.appliances.some((a) => a.health === 'healthy'))
          .catch(() => false),
      ),
    );
    if (ok.every(Boolean)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (!signal.aborted) throw new Error(`control could not steer ${titleId} within 30 s`);
}

function ensureContent(contentDir: string): Catalog {
  const catalogPath = join(contentDir, 'catalog.json');
  if (existsSync(catalogPath)) return parseCatalog(JSON.parse(readFileSync(catalogPath, 'utf8')));
  say(`generating 2 synthetic titles in ${contentDir}`);
  return generateContent({ out: contentDir, titles: 2, minutes: 1, seed: SEED }).catalog;
}

async function ensureStore(storeDir: string, contentDir: string, catalog: Catalog): Promise<void> {
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
