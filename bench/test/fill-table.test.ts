// The pure parts of `ferry bench fill`: the ratio table and its notes and goal, the fill plan,
// joining three downloaders' times, reading labelled metrics, "filled" from a fill view, and
// which fill flags a build's --help lacks.
import { catalogFixture } from '@ferry/harness';
import { type FillView, parseCatalog } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import type { AutocannonLoad } from '../src/common/autocannon-child.js';
import { joinAnchorRuns } from '../src/fill/anchor.js';
import type { AnchorResult } from '../src/fill/anchor-child.js';
import { isFilled } from '../src/fill/fill-watch.js';
import { flagsMissingFromHelp } from '../src/fill/fleet.js';
import { sumByLabel } from '../src/fill/metrics.js';
import { splitCatalog, TITLE_MINUTE_BYTES, titlesFor, withUniformPopularity } from '../src/fill/plan.js';
import type { FerryRun } from '../src/fill/runs.js';
import { type FillResults, fillNotes, fillTable, rate, siteGoal } from '../src/fill/table.js';

const GiB = 1024 ** 3;

function anchorResult(over: Partial<AnchorResult> = {}): AnchorResult {
  return {
    startedAtMs: 1000,
    endedAtMs: 3000,
    elapsedMs: 2000,
    files: 10,
    bytes: GiB,
    cpuMs: 500,
    errors: [],
    ...over,
  };
}

function ferry(over: Partial<FerryRun> = {}): FerryRun {
  return {
    appliances: 1,
    elapsedMs: 4000,
    originGets: 10,
    originBytes: GiB,
    cpuMs: 1500,
    eventLoopP99Ms: 12,
    fillBytesBySource: { origin: GiB },
    copies: 10,
    missing: [],
    ...over,
  };
}

function load(reqPerSec: number, p99Ms: number, durationSec = 9): AutocannonLoad {
  return {
    requests: reqPerSec * durationSec,
    durationSec,
    reqPerSec,
    bytesPerSec: reqPerSec * 65536,
    bytesRead: 0,
    p50Ms: 1,
    p99Ms,
    errors: 0,
    non2xx: 0,
  };
}

function results(over: Partial<FillResults> = {}): FillResults {
  return {
    fillBytes: GiB,
    files: 10,
    concurrency: 2,
    anchorSequential: joinAnchorRuns([anchorResult({ elapsedMs: 3000 })]),
    anchorConcurrent: joinAnchorRuns([anchorResult()]),
    anchorSite: joinAnchorRuns([
      anchorResult({ startedAtMs: 1000, endedAtMs: 5000, elapsedMs: 4000 }),
      anchorResult({ startedAtMs: 1200, endedAtMs: 6000, elapsedMs: 4800 }),
      anchorResult({ startedAtMs: 1100, endedAtMs: 5500, elapsedMs: 4400 }),
    ]),
    anchorReads: {
      concurrent: { requests: 10, bytes: GiB },
      site: { requests: 30, bytes: 3 * GiB },
    },
    one: ferry(),
    loaded: ferry({
      elapsedMs: 6000,
      eventLoopP99Ms: 30,
      load: { during: load(800, 40), after: load(1000, 20), afterEventLoopP99Ms: 10 },
    }),
    site: ferry({
      appliances: 3,
      elapsedMs: 5000,
      originGets: 10,
      originBytes: GiB,
      cpuMs: 4000,
      fillBytesBySource: { origin: GiB, peer: 2 * GiB },
      copies: 30,
    }),
    ...over,
  };
}

const row = (x: FillResults, caseName: string, measure: string, anchorIs?: string) =>
  fillTable(x).rows.find((r) => r[0] === caseName && r[1] === measure && (!anchorIs || r[5] === anchorIs));

describe('fill table', () => {
  it('puts each Ferry measure beside its anchor with the ratio Ferry ÷ anchor', () => {
    const x = results();
    expect(row(x, 'one appliance', 'fill time', 'GetObject x2')).toEqual([
      'one appliance',
      'fill time',
      '4.0 s',
      '2.0 s',
      '2.00x',
      'GetObject x2',
    ]);
    expect(row(x, 'one appliance', 'fill time', 'GetObject x1')?.slice(2, 5)).toEqual([
      '4.0 s',
      '3.0 s',
      '1.33x',
    ]);
    expect(row(x, 'one appliance', 'throughput')?.slice(2, 5)).toEqual(['2.15 Gb/s', '4.29 Gb/s', '0.50x']);
    expect(row(x, 'one appliance', 'bytes from origin')?.slice(2, 5)).toEqual([
      '1.07 GB',
      '1.07 GB',
      '1.00x',
    ]);
    expect(row(x, 'one appliance', 'CPU')?.slice(2, 5)).toEqual(['1.5 s', '0.5 s', '3.00x']);
    expect(row(x, 'one appliance', 'event-loop p99')?.slice(2, 5)).toEqual(['12.0 ms', '-', 'n/a']);
  });

  it('compares the loaded fill with the same load once the fill is done', () => {
    const x = results();
    expect(row(x, 'one appliance, loaded', 'fill time')?.slice(2, 6)).toEqual([
      '6.0 s',
      '4.0 s',
      '1.50x',
      'the fill without load',
    ]);
    expect(row(x, 'one appliance, loaded', 'event-loop p99')?.slice(2, 5)).toEqual([
      '30.0 ms',
      '10.0 ms',
      '3.00x',
    ]);
    expect(row(x, 'one appliance, loaded', 'load req/s')?.slice(2, 5)).toEqual([
      '800 req/s',
      '1.00k req/s',
      '0.80x',
    ]);
    expect(row(x, 'one appliance, loaded', 'load p99 latency')?.slice(2, 5)).toEqual([
      '40.0 ms',
      '20.0 ms',
      '2.00x',
    ]);
  });

  it('counts the copies a site read from the origin against three downloaders', () => {
    const x = results();
    expect(row(x, 'site of three', 'fill time')?.slice(2, 5)).toEqual(['5.0 s', '5.0 s', '1.00x']);
    expect(row(x, 'site of three', 'origin copies (goal 1)')?.slice(2, 5)).toEqual(['1.00', '3.00', '0.33x']);
    expect(row(x, 'site of three', 'bytes from peers')?.slice(2, 4)).toEqual(['2.15 GB', '-']);
    expect(row(x, 'site of three', 'copies served')?.[2]).toBe('3.00');
    expect(siteGoal(x)).toEqual({ met: true, copies: 1 });
    expect(siteGoal(results({ site: ferry({ originBytes: 2.2 * GiB }) }))).toEqual({
      met: false,
      copies: 2.2,
    });
  });

  it('shows n/a for a Ferry run without a result, and says why in the notes', () => {
    const x = results({
      one: ferry({
        error: 'appliance fill-1 exited (1) while filling\nstack…',
        elapsedMs: null,
        cpuMs: null,
      }),
      site: undefined,
      loaded: undefined,
      anchorSite: undefined,
    });
    expect(row(x, 'one appliance', 'fill time', 'GetObject x2')?.slice(2, 5)).toEqual([
      'n/a',
      '2.0 s',
      'n/a',
    ]);
    expect(fillTable(x).rows.some((r) => r[0] === 'site of three')).toBe(false);
    expect(siteGoal(x)).toBeNull();
    expect(fillNotes(x)).toEqual(['one appliance: no result: appliance fill-1 exited (1) while filling']);
  });

  it('notes skipped Ferry runs, unserved files, failed anchor downloads and a load shorter than the fill', () => {
    const x = results({
      ferrySkipped: 'this build of ferry cannot fill',
      site: ferry({ missing: ['t0002-a128k'] }),
      anchorConcurrent: joinAnchorRuns([anchorResult({ errors: ['content/x: no body'] })]),
      loaded: ferry({
        elapsedMs: 12_000,
        load: { during: load(800, 40, 9), after: null, afterEventLoopP99Ms: null },
      }),
    });
    expect(fillNotes(x)).toEqual([
      'this build of ferry cannot fill',
      'site of three: 1 files served by no appliance at the end: t0002-a128k',
      'anchor x2: 1 failed downloads, first: content/x: no body',
      'one appliance, loaded: the load (9 s) ended before the fill (12.0 s); the rest of the fill ran without it',
    ]);
  });

  it('rate is bytes per second of the elapsed time, null without one', () => {
    expect(rate(1000, 500)).toBe(2000);
    expect(rate(1000, null)).toBeNull();
    expect(rate(1000, 0)).toBeNull();
  });
});

describe('fill plan and helpers', () => {
  it('makes about the asked GiB of one-minute titles, plus one to serve', () => {
    expect(titlesFor(2)).toBe(Math.round((2 * GiB) / TITLE_MINUTE_BYTES) + 1);
    expect(titlesFor(0.01)).toBe(2);
    expect(() => titlesFor(0)).toThrow();
  });

  it('keeps the first title to serve and fills the rest', () => {
    const a = catalogFixture({ titleId: 't1', segmentLengths: [5, 5] }).titles[0]!;
    const b = catalogFixture({ titleId: 't2', segmentLengths: [7, 3, 10] }).titles[0]!;
    const catalog = { ...catalogFixture(), titles: [a, b] };
    expect(splitCatalog(catalog)).toEqual({
      serve: [{ fileId: 't1-v', size: 10, sha256: 'a'.repeat(64) }],
      fill: [{ fileId: 't2-v', size: 20, sha256: 'a'.repeat(64) }],
      fillBytes: 20,
    });
    expect(() => splitCatalog(catalogFixture())).toThrow(/two titles/);
  });

  it('gives control every stream the same popularity, so a site holds every file everywhere', () => {
    const a = catalogFixture({ titleId: 't1' }).titles[0]!;
    const b = catalogFixture({ titleId: 't2', stream: { popularity: 5 } }).titles[0]!;
    const c = withUniformPopularity({ ...catalogFixture(), titles: [a, b] });
    expect(c.titles.flatMap((t) => t.streams.map((s) => s.popularity))).toEqual([1e9, 1e9]);
    expect(parseCatalog(JSON.parse(JSON.stringify(c))).titles.length).toBe(2);
  });

  it('joins downloaders from the first start to the last end, summing the rest', () => {
    const j = joinAnchorRuns(results().anchorSite!.runs);
    expect(j.elapsedMs).toBe(5000);
    expect(j.bytes).toBe(3 * GiB);
    expect(j.cpuMs).toBe(1500);
    expect(joinAnchorRuns([anchorResult({ elapsedMs: 1234 })]).elapsedMs).toBe(1234);
  });

  it('sums a labelled counter per label value', () => {
    const text = [
      '# HELP ferry_appliance_fill_bytes_total bytes fetched',
      'ferry_appliance_fill_bytes_total{source_kind="origin"} 100',
      'ferry_appliance_fill_bytes_total{disk="d1",source_kind="peer"} 40',
      'ferry_appliance_fill_bytes_total{disk="d2",source_kind="peer"} 2',
      'ferry_appliance_fill_bytes_total_other{source_kind="origin"} 9',
      'ferry_appliance_fill_files_total{result="ok",source_kind="origin"} 3',
    ].join('\n');
    expect(sumByLabel(text, 'ferry_appliance_fill_bytes_total', 'source_kind')).toEqual({
      origin: 100,
      peer: 42,
    });
    expect(sumByLabel(text, 'ferry_absent', 'source_kind')).toEqual({});
  });

  it('calls an appliance filled when all it wants is held and nothing is in flight', () => {
    const v: FillView = {
      applianceId: 'a',
      manifestVersion: 3,
      wanted: 4,
      held: 4,
      filling: 0,
      failed: 0,
      bytesToGo: 0,
      bytesPerSec: 0,
      etaSec: null,
      window: 'open',
      errors: [],
    };
    expect(isFilled(v)).toBe(true);
    expect(isFilled({ ...v, held: 3, filling: 1, bytesToGo: 10 })).toBe(false);
    expect(isFilled({ ...v, wanted: 0, held: 0 })).toBe(false);
    expect(isFilled(null)).toBe(false);
  });

  it('finds the fill flags a --help text does not list', () => {
    const help = [
      'Options:',
      '  --fill <mode>           fill from control',
      '  --origin <url>          s3://BUCKET/PREFIX',
      '  --fill-window <w>       always or HH:MM-HH:MM',
    ].join('\n');
    expect(
      flagsMissingFromHelp(help, ['--fill', '--origin', '--origin-endpoint', '--fill-window', '--fill-rate']),
    ).toEqual(['--origin-endpoint', '--fill-rate']);
  });
});
