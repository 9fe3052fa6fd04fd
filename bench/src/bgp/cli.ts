// `ferry bench bgp`: how fast and in how much memory the appliance learns a full table,
// against BIRD learning the same table in the same run. One source BIRD holds N static
// routes and has two eBGP sessions, both disabled at start; each is enabled in turn so the
// receivers do not share the CPU: first to the appliance (BgpSpeaker + AdjRibIn in a child
// process, bench/src/bgp/ferry-child.ts), then to a second BIRD importing into its own tables.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatBytes } from '@ferry/client-sim';
import { BIRD_BIN, Bird, bgpProtocol, freePort, ProcessGroup, stopOnExit, waitUntil } from '@ferry/harness';
import { writeFileAtomic } from '../common/atomic-write.js';
import { machineInfo, toolVersion } from '../common/machine.js';
import { cpuMs } from '../common/proc-stat.js';
import { stamp } from '../common/result-files.js';
import type { FerryChildJob } from './ferry-child.js';
import { type BgpReport, type ReceiverResult, renderReportMarkdown, renderReportText } from './report.js';
import { ipv4Routes, ipv6Routes } from './table.js';

export interface BenchBgpOptions {
  routes: number;
  ipv6: number;
  out: string;
}

const REPO_ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const CHILD = fileURLToPath(new URL('./ferry-child.ts', import.meta.url));
// Addresses of their own on loopback so nothing else on 127.0.0.1 is in the way.
const SOURCE = { address: '127.0.0.71', as: 65100 };
const FERRY = { address: '127.0.0.72', as: 65200 };
const RECEIVER = { address: '127.0.0.73', as: 65300 };
const POLL_MS = 20;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function vmRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/**
 * Routes a BGP protocol has imported, summed over its channels, from the channel counters of
 * `show protocols all NAME`: constant cost, unlike `show route count`, which walks the table
 * and would charge our polling to BIRD's CPU time.
 */
async function importedCount(bird: Bird, protocol: string): Promise<number> {
  const out = await bird.birdc('show', 'protocols', 'all', protocol);
  let n = 0;
  for (const m of out.matchAll(/Routes:\s+(\d+) imported/g)) n += Number(m[1]);
  return n;
}

/** Routes in a BIRD table, from `show route count table T`. */
async function tableCount(bird: Bird, table: string): Promise<number> {
  const out = await bird.birdc('show', 'route', 'count', 'table', table);
  const m = /(\d+) of \d+ routes/.exec(out);
  return m ? Number(m[1]) : 0;
}

/** The Since column of `show protocols NAME` (local time, ms) as ms since local midnight. */
async function sinceMsOfDay(bird: Bird, protocol: string): Promise<number | null> {
  const out = await bird.birdc('show', 'protocols', protocol);
  const m = new RegExp(`^${protocol}\\s+\\S+\\s+\\S+\\s+up\\s+(\\d+):(\\d+):(\\d+)\\.(\\d+)`, 'm').exec(out);
  if (!m) return null;
  const [h, mi, s, ms] = m.slice(1).map(Number) as [number, number, number, number];
  return ((h * 60 + mi) * 60 + s) * 1000 + ms;
}

function msOfDay(d: Date): number {
  return ((d.getHours() * 60 + d.getMinutes()) * 60 + d.getSeconds()) * 1000 + d.getMilliseconds();
}

function loadTimeoutMs(routes: number): number {
  return 60_000 + Math.ceil(routes / 5);
}

export async function runBenchBgp(opts: BenchBgpOptions): Promise<void> {
  for (const [name, v] of [
    ['--routes', opts.routes],
    ['--ipv6', opts.ipv6],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 4_000_000) throw new Error(`${name} must be 0-4000000`);
  }
  if (opts.routes + opts.ipv6 === 0) throw new Error('nothing to send: --routes and --ipv6 are both 0');
  const started = new Date();
  const total = opts.routes + opts.ipv6;
  const machine = machineInfo({ bird: await toolVersion(BIRD_BIN, ['--version'], /BIRD version (\S+)/) });
  const group = new ProcessGroup();
  const birds: Bird[] = [];
  const uninstall = stopOnExit(group, () => undefined);
  const notes: string[] = [];
  try {
    const ports = {
      source: await freePort(SOURCE.address),
      ferry: await freePort(FERRY.address),
      receiver: await freePort(RECEIVER.address),
    };
    log('starting the receiving BIRD');
    const receiver = await Bird.start({
      localAddress: RECEIVER.address,
      localPort: ports.receiver,
      localAs: RECEIVER.as,
      neighborAddress: SOURCE.address,
      neighborPort: ports.source,
      neighborAs: SOURCE.as,
      passive: true,
      protocol: 'upstream',
      preamble: 'ipv4 table rx4;\nipv6 table rx6;\n',
      channels: { ipv4: 'table rx4; import all; export none;', ipv6: 'table rx6; import all; export none;' },
    });
    birds.push(receiver);

    log('starting the appliance side');
    const job: FerryChildJob = {
      listenHost: FERRY.address,
      listenPort: ports.ferry,
      peerAddress: SOURCE.address,
      peerAs: SOURCE.as,
      localAs: FERRY.as,
      expect: total,
    };
    const child = group.start({
      name: 'ferry-bgp',
      command: process.execPath,
      args: ['--expose-gc', '--import', 'tsx', CHILD, JSON.stringify(job)],
      cwd: REPO_ROOT,
    });
    const events = () =>
      child
        .stdout()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, number> & { event: string });
    const event = (name: string) => events().find((e) => e.event === name);
    await waitUntil(async () => event('ready') !== undefined, {
      what: 'ferry child',
      timeoutMs: 30_000,
      child,
    });

    log(`starting the source BIRD with ${opts.routes} IPv4 + ${opts.ipv6} IPv6 routes`);
    const source = await Bird.start({
      localAddress: SOURCE.address,
      localPort: ports.source,
      localAs: SOURCE.as,
      neighborAddress: FERRY.address,
      neighborPort: ports.ferry,
      neighborAs: FERRY.as,
      disabled: true,
      routes4: ipv4Routes(opts.routes),
      routes6: ipv6Routes(opts.ipv6),
      readyTimeoutMs: loadTimeoutMs(total),
      extra: bgpProtocol(
        'birdrx',
        {
          localAddress: SOURCE.address,
          localPort: ports.source,
          localAs: SOURCE.as,
          neighborAddress: RECEIVER.address,
          neighborPort: ports.receiver,
          neighborAs: RECEIVER.as,
          disabled: true,
        },
        { ipv4: 'import none; export all;', ipv6: 'import none; export all; next hop address 2001:db8::71;' },
      ),
    });
    birds.push(source);
    await waitUntil(
      async () =>
        (await tableCount(source, 'master4')) === opts.routes &&
        (await tableCount(source, 'master6')) === opts.ipv6,
      { what: 'source BIRD static routes', timeoutMs: loadTimeoutMs(total), intervalMs: 200 },
    );

    log('measuring the appliance');
    await source.enable('ferry');
    await waitUntil(async () => event('done') !== undefined, {
      what: 'appliance learning the table',
      timeoutMs: loadTimeoutMs(total),
      intervalMs: 100,
      child,
    });
    const ready = event('ready')!;
    const done = event('done')!;
    const ferry: ReceiverResult = {
      ms: done.ms!,
      firstMs: done.firstMs!,
      cpuMs: done.cpuMs!,
      rssGrowthBytes: done.rss! - ready.rss!,
      routes: done.routes!,
      detail: {
        'heap growth': formatBytes(done.heap! - ready.heap!),
        'heap per route B': ((done.heap! - ready.heap!) / total).toFixed(1),
        'peak RSS': formatBytes(done.maxRss!),
        'attribute sets': done.attrSets!,
      },
    };
    await source.disable('ferry');
    await group.stop(child);

    log('measuring BIRD');
    const rssBefore = await vmRss(receiver.pid!);
    const cpuBefore = await cpuMs(receiver.pid!);
    await source.enable('birdrx');
    let endMs = 0;
    let firstMs = 0;
    await waitUntil(
      async () => {
        const n = await importedCount(receiver, 'upstream');
        if (n > 0 && firstMs === 0) firstMs = msOfDay(new Date());
        if (n < total) return false;
        endMs = msOfDay(new Date());
        return true;
      },
      { what: 'BIRD learning the table', timeoutMs: loadTimeoutMs(total), intervalMs: POLL_MS },
    );
    const since = await sinceMsOfDay(receiver, 'upstream');
    const rssAfter = await vmRss(receiver.pid!);
    const cpuAfter = await cpuMs(receiver.pid!);
    const memory = await receiver.birdc('show', 'memory');
    const birdTotal = /^Total:\s+(.+?)\s{2,}/m.exec(memory)?.[1] ?? 'n/a';
    const bird: ReceiverResult = {
      ms: since === null ? null : endMs - since,
      firstMs: since === null ? null : firstMs - since,
      cpuMs: cpuAfter - cpuBefore,
      rssGrowthBytes: rssAfter - rssBefore,
      routes: total,
      detail: { 'show memory total (effective)': birdTotal },
    };
    if (since === null) notes.push('BIRD: could not read when the session came up; time left out.');
    notes.push(
      `BIRD's first and last route are seen by polling its channel counters (\`birdc show protocols all\`) every ${POLL_MS} ms, so each reads up to ${POLL_MS} ms late; the polls cost BIRD a little CPU.`,
    );

    const report: BgpReport = {
      date: started.toISOString(),
      machine,
      settings: { ipv4: opts.routes, ipv6: opts.ipv6, pollMs: POLL_MS },
      ferry,
      bird,
      notes,
    };
    process.stdout.write(`\n${renderReportText(report)}\n`);
    const outDir = resolve(opts.out);
    const base = join(outDir, `bgp-${stamp(started)}`);
    await writeFileAtomic(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
    await writeFileAtomic(`${base}.md`, renderReportMarkdown(report));
    log(`wrote ${base}.json, ${base}.md`);
  } finally {
    await group.stopAll();
    for (const b of birds.reverse()) await b.stop();
    uninstall();
  }
}
