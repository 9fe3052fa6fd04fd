// `ferry bench fill`: appliances filling their stores from an S3 origin on loopback, against
// plain GetObject downloads of the same objects. Cases (docs/benchmarks.md):
//   anchor  — GetObject streams to disk, one at a time, C at once, and three downloaders at once
//   one     — one appliance fills the set (control's placement decides; --fill on)
//   load    — the same while serving a load, then the same load once it is full
//   site    — three appliances of one site fill it: the origin should serve one copy, not three
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateContent } from '@ferry/appliance';
import { ProcessGroup, stopOnExit } from '@ferry/harness';
import { writeFileAtomic } from '../common/atomic-write.js';
import { machineInfo } from '../common/machine.js';
import { pageMarkdown, pageText, type ReportPage } from '../common/report-page.js';
import { resultBase } from '../common/result-files.js';
import { type AnchorRun, runAnchors } from './anchor.js';
import type { AnchorJob } from './anchor-child.js';
import { originReads } from './counting-proxy.js';
import { fillSupport } from './fleet.js';
import { type BenchOrigin, startBenchOrigin } from './origin.js';
import { type FillPlan, splitCatalog, titlesFor, withUniformPopularity } from './plan.js';
import { type FerryRun, type FerryRunInput, runFerryFill } from './runs.js';
import { type FillResults, fillNotes, fillTable, formatBytes, siteGoal } from './table.js';

export interface BenchFillOptions {
  /** size of the fill set, GiB */
  gb: number;
  /** the anchor's downloads at once, and the appliances' --fill-concurrency */
  concurrency: number;
  /** the appliances' --fill-rate (bytes/s); unset: no cap */
  fillRate?: number;
  /** autocannon connections of the load case */
  connections: number;
  /** comma-separated: anchor,one,load,site */
  cases: string;
  out: string;
}

const require = createRequire(import.meta.url);
const REPO_ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const CASES = ['anchor', 'one', 'load', 'site'] as const;
type Case = (typeof CASES)[number];
const SITE = [
  { id: 'fill-1', address: '127.0.0.51' },
  { id: 'fill-2', address: '127.0.0.52' },
  { id: 'fill-3', address: '127.0.0.53' },
];

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function parseCases(list: string): Set<Case> {
  const cases = list
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  for (const c of cases)
    if (!CASES.includes(c as Case)) throw new Error(`unknown case "${c}" (known: ${CASES.join(', ')})`);
  if (cases.length === 0) throw new Error('--cases names no case');
  return new Set(cases as Case[]);
}

async function anchor(input: {
  group: ProcessGroup;
  root: string;
  origin: BenchOrigin;
  plan: FillPlan;
  name: string;
  downloaders: number;
  concurrency: number;
}): Promise<{ run: AnchorRun; reads: { requests: number; bytes: number } }> {
  input.origin.proxy.reset();
  const dirs = Array.from({ length: input.downloaders }, (_, i) => join(input.root, `${input.name}-${i}`));
  const jobs: AnchorJob[] = dirs.map((outDir) => ({
    endpoint: input.origin.proxy.url,
    bucket: input.origin.bucket,
    prefix: input.origin.prefix,
    objects: input.plan.fill,
    concurrency: input.concurrency,
    outDir,
  }));
  try {
    const run = await runAnchors({
      group: input.group,
      repoRoot: REPO_ROOT,
      jobPathBase: join(input.root, `${input.name}-job`),
      jobs,
      env: input.origin.env,
      timeoutMs: 60 * 60_000,
    });
    return { run, reads: originReads(input.origin.proxy.counts()) };
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

function describeRun(name: string, r: FerryRun): string {
  if (r.error) return `${name}: no result (${r.error.split('\n')[0]})`;
  return `${name}: ${((r.elapsedMs ?? 0) / 1000).toFixed(1)} s, ${formatBytes(r.originBytes)} from the origin`;
}

export async function runBenchFill(opts: BenchFillOptions): Promise<void> {
  if (!(opts.gb > 0 && opts.gb <= 100)) throw new Error('--gb must be more than 0 and at most 100');
  const cases = parseCases(opts.cases);
  const root = mkdtempSync(join(tmpdir(), 'ferry-bench-fill-'));
  const group = new ProcessGroup();
  const uninstall = stopOnExit(group, () => rmSync(root, { recursive: true, force: true }));
  const date = new Date();
  const results: FillResults = { fillBytes: 0, files: 0, concurrency: opts.concurrency, anchorReads: {} };
  let origin: BenchOrigin | undefined;
  try {
    const contentDir = join(root, 'content');
    const titles = titlesFor(opts.gb);
    log(`generating ${titles} titles of one minute in ${contentDir}`);
    const { catalog } = generateContent({ out: contentDir, titles, minutes: 1, seed: 'fill' });
    const catalogPath = join(root, 'catalog-for-control.json');
    await writeFileAtomic(catalogPath, JSON.stringify(withUniformPopularity(catalog)));
    const plan = splitCatalog(catalog);
    results.fillBytes = plan.fillBytes;
    results.files = plan.fill.length;
    origin = await startBenchOrigin({ group, dir: join(root, 's3rver'), contentDir, say: log });
    log(
      `fill set: ${plan.fill.length} files, ${formatBytes(plan.fillBytes)}; every appliance holds ${catalog.titles[0]!.id} (${plan.serve.length} files) before it starts`,
    );

    const base = { group, root, origin, plan };
    if (cases.has('anchor')) {
      log('anchor: GetObject streams to disk, one at a time');
      const seq = await anchor({ ...base, name: 'anchor-x1', downloaders: 1, concurrency: 1 });
      results.anchorSequential = seq.run;
      results.anchorReads!.sequential = seq.reads;
      log(`anchor: ${opts.concurrency} at a time`);
      const conc = await anchor({
        ...base,
        name: 'anchor-xc',
        downloaders: 1,
        concurrency: opts.concurrency,
      });
      results.anchorConcurrent = conc.run;
      results.anchorReads!.concurrent = conc.reads;
      if (cases.has('site')) {
        log(`anchor: three downloaders at once, ${opts.concurrency} at a time each`);
        const site = await anchor({
          ...base,
          name: 'anchor-site',
          downloaders: 3,
          concurrency: opts.concurrency,
        });
        results.anchorSite = site.run;
        results.anchorReads!.site = site.reads;
      }
    }
    const ferryCases = (['one', 'load', 'site'] as const).filter((c) => cases.has(c));
    const support = ferryCases.length
      ? await fillSupport(group)
      : { missing: [], optional: new Set<string>() };
    // Room for the whole catalog twice over, where control takes a capacity: placement, not
    // the disk, decides what each appliance holds.
    const catalogBytes = plan.fillBytes + plan.serve.reduce((n, f) => n + f.size, 0);
    // A fill slower than ten anchors, or than two minutes, is a failure, not a measure.
    const timeoutMs = Math.max(120_000, 10 * (results.anchorConcurrent?.elapsedMs ?? 60_000));
    const ferry: Omit<FerryRunInput, 'dir' | 'appliances'> = {
      ...base,
      catalogPath,
      contentDir,
      fillConcurrency: opts.concurrency,
      ...(opts.fillRate !== undefined ? { fillRate: opts.fillRate } : {}),
      ...(support.optional.has('--fill-capacity') ? { capacityBytes: 2 * catalogBytes } : {}),
      ...(support.optional.has('--fill-manifest-interval') ? { manifestIntervalSec: 1 } : {}),
      timeoutMs,
      say: log,
    };
    const missing = support.missing;
    if (missing.length) {
      results.ferrySkipped = `this build of ferry cannot fill (no ${missing.join(', ')}): the Ferry runs (${ferryCases.join(', ')}) were skipped`;
      log(results.ferrySkipped);
      cases.delete('one');
      cases.delete('load');
      cases.delete('site');
    }
    if (cases.has('one')) {
      log('Ferry: one appliance fills the set');
      results.one = await runFerryFill({ ...ferry, dir: join(root, 'one'), appliances: SITE.slice(0, 1) });
      log(describeRun('  one appliance', results.one));
    }
    if (cases.has('load')) {
      // The load lasts as long as the unloaded fill took, and half as long again.
      const durationSec = Math.min(
        300,
        Math.max(5, Math.ceil((1.5 * (results.one?.elapsedMs ?? 20_000)) / 1000)),
      );
      log(
        `Ferry: one appliance fills the set while serving ${opts.connections} connections for ${durationSec} s`,
      );
      results.loaded = await runFerryFill({
        ...ferry,
        dir: join(root, 'loaded'),
        appliances: SITE.slice(0, 1),
        load: { connections: opts.connections, durationSec, repoRoot: REPO_ROOT },
      });
      log(describeRun('  one appliance, loaded', results.loaded));
    }
    if (cases.has('site')) {
      log('Ferry: a site of three appliances fills the set');
      results.site = await runFerryFill({ ...ferry, dir: join(root, 'site'), appliances: SITE });
      log(describeRun('  site of three', results.site));
    }
    const given = [
      ...(ferry.capacityBytes !== undefined ? [`control --fill-capacity ${ferry.capacityBytes}`] : []),
      ...(ferry.manifestIntervalSec !== undefined
        ? [`appliance --fill-manifest-interval ${ferry.manifestIntervalSec}`]
        : []),
    ];
    await report(results, opts, date, given);
  } finally {
    await origin?.stop();
    await group.stopAll();
    uninstall();
    rmSync(root, { recursive: true, force: true });
  }
}

async function report(
  results: FillResults,
  opts: BenchFillOptions,
  date: Date,
  given: string[],
): Promise<void> {
  const version = (pkg: string) => (require(`${pkg}/package.json`) as { version: string }).version;
  const machine = machineInfo({
    s3rver: version('s3rver'),
    '@aws-sdk/client-s3': version('@aws-sdk/client-s3'),
  });
  const goal = siteGoal(results);
  const page: ReportPage = {
    machine,
    settings:
      `${date.toISOString()}; fill set ${results.files} files, ${formatBytes(results.fillBytes)}; ` +
      `${opts.concurrency} downloads at once (anchor and --fill-concurrency); ` +
      `--fill-rate ${opts.fillRate ?? 'none'}${given.length ? `; ${given.join(', ')}` : ''}; load ${opts.connections} connections of 64 KiB ranges; origin s3rver on loopback behind a counting proxy`,
    table: fillTable(results),
    extra: goal
      ? [
          `goal: a site reads one copy from the origin — ${goal.copies.toFixed(2)} copies, ${goal.met ? 'met' : 'not met'}`,
        ]
      : [],
    legend: [
      'Ferry and anchor: one run each; ratio = Ferry ÷ anchor (above 1: slower or costlier, except throughput and req/s).',
      "Ferry's fill time runs from the appliances' start until control's fill view shows every one holding all it wants, and still so 2 s later (heartbeats: up to about 1 s late).",
    ],
    notes: fillNotes(results),
  };
  process.stdout.write(`${pageText(`ferry bench fill — ${date.toISOString()}`, page)}\n`);
  const base = resultBase(opts.out, 'fill', date);
  await writeFileAtomic(
    `${base}.json`,
    `${JSON.stringify({ date: date.toISOString(), machine, options: opts, results, summary: page.table, notes: page.notes }, null, 2)}\n`,
  );
  const md = pageMarkdown(`# ferry bench fill — ${date.toISOString()}`, page);
  await writeFileAtomic(`${base}.md`, md);
  await writeFileAtomic(join(dirname(base), 'fill-latest.md'), md);
  process.stdout.write(`wrote ${base}.json, ${base}.md\n`);
}
