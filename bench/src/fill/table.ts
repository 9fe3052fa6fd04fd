// The table `ferry bench fill` prints (pure): per case, each measure for Ferry and for its
// anchor, the ratio Ferry ÷ anchor, and what the anchor is.
//   one appliance          — the same objects by plain GetObject streams to disk (C at once, and one at a time)
//   one appliance, loaded  — the same appliance, serving the same load once the fill is done
//   site of three          — three such downloaders at once, each pulling the whole set
import type { AutocannonLoad } from '../common/autocannon-child.js';
import { formatRatio, formatValue, type Table } from '../common/format.js';
import { ratio } from '../common/stats.js';
import type { AnchorRun } from './anchor.js';
import type { FerryRun } from './runs.js';

export interface FillResults {
  fillBytes: number;
  files: number;
  concurrency: number;
  anchorSequential?: AnchorRun;
  anchorConcurrent?: AnchorRun;
  anchorSite?: AnchorRun;
  /** origin reads counted during each anchor run */
  anchorReads?: Partial<Record<'sequential' | 'concurrent' | 'site', { requests: number; bytes: number }>>;
  one?: FerryRun;
  loaded?: FerryRun;
  site?: FerryRun;
  /** why the Ferry runs did not happen */
  ferrySkipped?: string;
}

type Kind = 'time' | 'bytes' | 'B/s' | 'count' | 'ms' | 'copies' | 'req/s';

const NA = 'n/a';

export function formatBytes(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return NA;
  return formatValue(v, 'B');
}

function fmt(v: number | null | undefined, kind: Kind): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return NA;
  switch (kind) {
    case 'time':
      return `${(v / 1000).toFixed(v >= 100_000 ? 0 : 1)} s`;
    case 'bytes':
      return formatBytes(v);
    case 'B/s':
      return formatValue(v, 'B/s');
    case 'req/s':
      return formatValue(v, 'req/s');
    case 'ms':
      return formatValue(v, 'ms');
    case 'count':
      return formatValue(Math.round(v), 'count');
    case 'copies':
      return v.toFixed(2);
  }
}

/** Throughput of a fill: bytes over the time it took; null without a time. */
export function rate(bytes: number, elapsedMs: number | null | undefined): number | null {
  return elapsedMs === null || elapsedMs === undefined || elapsedMs <= 0 ? null : bytes / (elapsedMs / 1000);
}

const ok = (r: FerryRun | undefined) => (r && !r.error ? r : undefined);
const loadOf = (r: AutocannonLoad | null | undefined) => r ?? undefined;

export function fillTable(x: FillResults): Table {
  const rows: string[][] = [];
  const add = (
    caseName: string,
    measure: string,
    kind: Kind,
    ferry: number | null | undefined,
    anchor: number | null | undefined,
    anchorIs: string,
  ) =>
    rows.push([
      caseName,
      measure,
      fmt(ferry, kind),
      anchor === undefined ? '-' : fmt(anchor, kind),
      formatRatio(ratio(ferry ?? null, anchor ?? null)),
      anchorIs,
    ]);
  const c = x.concurrency;
  const one = ok(x.one);
  const seq = x.anchorSequential;
  const conc = x.anchorConcurrent;
  if (x.one || conc || seq) {
    const k = 'one appliance';
    add(k, 'fill time', 'time', one?.elapsedMs, conc?.elapsedMs ?? null, `GetObject x${c}`);
    add(k, 'fill time', 'time', one?.elapsedMs, seq?.elapsedMs ?? null, 'GetObject x1');
    add(
      k,
      'throughput',
      'B/s',
      rate(x.fillBytes, one?.elapsedMs),
      rate(x.fillBytes, conc?.elapsedMs),
      `GetObject x${c}`,
    );
    add(
      k,
      'bytes from origin',
      'bytes',
      one?.originBytes,
      x.anchorReads?.concurrent?.bytes ?? null,
      `GetObject x${c}`,
    );
    add(
      k,
      'origin GETs',
      'count',
      one?.originGets,
      x.anchorReads?.concurrent?.requests ?? null,
      `GetObject x${c}`,
    );
    add(k, 'CPU', 'time', one?.cpuMs, conc?.cpuMs ?? null, `GetObject x${c}`);
    add(k, 'event-loop p99', 'ms', one?.eventLoopP99Ms, undefined, '-');
  }
  const loaded = ok(x.loaded);
  if (x.loaded) {
    const k = 'one appliance, loaded';
    const during = loadOf(loaded?.load?.during);
    const after = loadOf(loaded?.load?.after);
    add(k, 'fill time', 'time', loaded?.elapsedMs, one?.elapsedMs ?? null, 'the fill without load');
    add(
      k,
      'event-loop p99',
      'ms',
      loaded?.eventLoopP99Ms,
      loaded?.load?.afterEventLoopP99Ms ?? null,
      'same load, no fill',
    );
    add(k, 'load req/s', 'req/s', during?.reqPerSec, after?.reqPerSec ?? null, 'same load, no fill');
    add(k, 'load p99 latency', 'ms', during?.p99Ms, after?.p99Ms ?? null, 'same load, no fill');
  }
  const site = ok(x.site);
  const sa = x.anchorSite;
  if (x.site || sa) {
    const k = 'site of three';
    const three = `3 x GetObject x${c}`;
    const copies = (bytes: number | null | undefined) =>
      bytes === null || bytes === undefined || x.fillBytes === 0 ? null : bytes / x.fillBytes;
    add(k, 'fill time', 'time', site?.elapsedMs, sa?.elapsedMs ?? null, three);
    add(k, 'bytes from origin', 'bytes', site?.originBytes, x.anchorReads?.site?.bytes ?? null, three);
    add(
      k,
      'origin copies (goal 1)',
      'copies',
      copies(site?.originBytes),
      copies(x.anchorReads?.site?.bytes),
      three,
    );
    add(k, 'bytes from peers', 'bytes', site?.fillBytesBySource.peer ?? null, undefined, '-');
    add(
      k,
      'copies served',
      'copies',
      site?.copies === null || site?.copies === undefined ? null : site.copies / Math.max(1, x.files),
      undefined,
      '-',
    );
    add(k, 'CPU (sum)', 'time', site?.cpuMs, sa?.cpuMs ?? null, three);
    add(k, 'event-loop p99 (worst)', 'ms', site?.eventLoopP99Ms, undefined, '-');
  }
  return { headers: ['case', 'measure', 'Ferry', 'anchor', 'ratio', 'anchor is'], numeric: [2, 3, 4], rows };
}

/** Whether the site read one copy from the origin (within 5 %); null when it did not run. */
export function siteGoal(x: FillResults): { met: boolean; copies: number } | null {
  const site = ok(x.site);
  if (!site || x.fillBytes === 0) return null;
  const copies = site.originBytes / x.fillBytes;
  return { met: copies <= 1.05, copies };
}

/** Notes for the report: failed runs, anchor errors, files nobody serves, a load shorter than the fill. */
export function fillNotes(x: FillResults): string[] {
  const notes: string[] = x.ferrySkipped ? [x.ferrySkipped] : [];
  for (const [name, r] of [
    ['one appliance', x.one],
    ['one appliance, loaded', x.loaded],
    ['site of three', x.site],
  ] as const) {
    if (!r) continue;
    if (r.error) notes.push(`${name}: no result: ${r.error.split('\n')[0]}`);
    else if (r.missing.length)
      notes.push(
        `${name}: ${r.missing.length} files served by no appliance at the end: ${r.missing.slice(0, 5).join(', ')}`,
      );
  }
  for (const [name, a] of [
    ['anchor x1', x.anchorSequential],
    [`anchor x${x.concurrency}`, x.anchorConcurrent],
    ['anchor, site', x.anchorSite],
  ] as const) {
    if (a?.errors.length) notes.push(`${name}: ${a.errors.length} failed downloads, first: ${a.errors[0]}`);
  }
  const loaded = ok(x.loaded);
  const during = loaded?.load?.during;
  if (loaded && during && loaded.elapsedMs !== null && during.durationSec * 1000 < loaded.elapsedMs)
    notes.push(
      `one appliance, loaded: the load (${during.durationSec} s) ended before the fill (${fmt(loaded.elapsedMs, 'time')}); the rest of the fill ran without it`,
    );
  if (loaded && !loaded.load?.during)
    notes.push('one appliance, loaded: the load during the fill gave no result');
  return notes;
}
