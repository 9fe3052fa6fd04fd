// `ferry sim --players browser`: N real players (hls.js, dash.js) in one headless Chromium,
// each playing a title from control's standard manifests (main.m3u8 / manifest.mpd, which
// carry Content Steering), for --duration seconds. Their own metrics become SessionQoe
// records in the same HTML/JSON report the simulated fleet writes, with the raw player
// metrics kept beside them in the JSON. This machine (2 cores) holds about
// BROWSER_PLAYERS_HELD players without stalls on loopback (docs/players.md).
import { resolve } from 'node:path';
import { titleIdsFromFlags } from '../fleet/titles.js';
import { buildReport } from '../report/aggregate.js';
import { writeReport } from '../report/write.js';
import { appliancesFromControl } from './appliances.js';
import { BrowserSimError } from './errors.js';
import type { PlayerKind } from './page-metrics.js';
import { BrowserPlayers, type PlayRequest } from './players.js';
import { renderBrowserTable } from './table.js';
import { type ApplianceByHost, type BrowserSessionQoe, pageMetricsToQoe } from './to-qoe.js';

/**
 * Browser players a 2-core machine plays at once without stalls on loopback: measured with
 * 720p30 H.264 at 2.5 Mb/s (the media ladder's top rung) while other work kept the load near
 * 7 — 6 played with no stall of 100 ms or more and ~5 % dropped frames; 8 stalled up to
 * 0.4 s; 12 up to 1 s with 20 % of frames dropped (docs/players.md).
 */
export const BROWSER_PLAYERS_HELD = 6;
/** Past this the run is refused: each player is a Chromium page decoding video. */
export const BROWSER_PLAYERS_MAX = 16;

export interface BrowserSimFlags {
  control: string;
  sessions: number | string;
  duration: number | string;
  /** comma-separated title ids, played round robin */
  titles?: string;
  catalog?: string;
  /** `hls`, `dash` or `both` (alternating); default both */
  player?: string;
  report?: string;
  /** operator token (role viewer) to name appliances by host; default $FERRY_TOKEN */
  token?: string;
  /** Chromium binary (default /usr/bin/chromium) */
  chromium?: string;
}

export interface BrowserSimIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  handleSignals: boolean;
}

export interface BrowserSimOutcome {
  sessions: BrowserSessionQoe[];
  html: string;
  json: string;
}

const usage = (m: string) => new BrowserSimError('FERRY_ERR_SIM_BROWSER_USAGE', m);

/** Manifest URL for a title at control: HLS multivariant or DASH MPD. */
export function manifestUrl(control: string, titleId: string, player: PlayerKind): string {
  const file = player === 'hls' ? 'main.m3u8' : 'manifest.mpd';
  return `${control.replace(/\/$/, '')}/v1/titles/${encodeURIComponent(titleId)}/${file}`;
}

/** Which player and title each session plays: players alternate, titles go round robin. */
export function planPlays(
  control: string,
  titleIds: string[],
  sessions: number,
  player: string,
): PlayRequest[] {
  const kinds: PlayerKind[] = player === 'both' ? ['hls', 'dash'] : [player as PlayerKind];
  return Array.from({ length: sessions }, (_, i) => {
    const kind = kinds[i % kinds.length]!;
    const title = titleIds[i % titleIds.length]!;
    return { player: kind, src: manifestUrl(control, title, kind), id: `browser-${kind}-${i + 1}` };
  });
}

function positive(name: string, v: number | string, integer: boolean): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw usage(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got "${v}"`);
  return n;
}

export async function runBrowserSim(
  flags: BrowserSimFlags,
  io: Partial<BrowserSimIo> = {},
): Promise<BrowserSimOutcome> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  let control: string;
  try {
    const u = new URL(flags.control);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
    control = u.toString().replace(/\/$/, '');
  } catch {
    throw usage(`--control must be an http(s) URL such as http://127.0.0.1:8000, got "${flags.control}"`);
  }
  const sessions = positive('sessions', flags.sessions, true);
  if (sessions > BROWSER_PLAYERS_MAX)
    throw usage(
      `--sessions: at most ${BROWSER_PLAYERS_MAX} browser players (this machine holds about ${BROWSER_PLAYERS_HELD})`,
    );
  const durationSec = positive('duration', flags.duration, false);
  const player = flags.player ?? 'both';
  if (player !== 'hls' && player !== 'dash' && player !== 'both')
    throw usage(`--player must be hls, dash or both, got "${player}"`);
  const titleIds = await titleIdsFromFlags(flags, usage);
  const reportPath = resolve(flags.report ?? 'sim-report.html');
  const token = flags.token ?? process.env['FERRY_TOKEN'];
  const appliances: ApplianceByHost = token ? await appliancesFromControl(control, token) : new Map();

  const abort = new AbortController();
  const onSignal = () => abort.abort();
  if (io.handleSignals ?? true) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  const plays = planPlays(control, titleIds, sessions, player);
  // Checked before Chromium starts, as the simulated fleet checks its titles: a wrong URL or
  // a title without media is a setup mistake, not N viewers' failures.
  for (const src of new Set(plays.map((p) => p.src))) await checkManifest(src);
  const players = await BrowserPlayers.launch(flags.chromium ? { executablePath: flags.chromium } : {});
  const startedAt = Date.now();
  try {
    // Pages open one after another: on two cores a burst of page starts is itself a stall.
    for (const p of plays) {
      if (abort.signal.aborted) break;
      await players.open(p);
    }
    const endAt = startedAt + durationSec * 1000;
    let nextLine = Date.now();
    while (!abort.signal.aborted && Date.now() < endAt) {
      await sleep(Math.min(1000, endAt - Date.now()), abort.signal);
      if (Date.now() < nextLine) continue;
      nextLine += 5000;
      const now = await players.readAll();
      const playing = now.filter((r) => r.metrics && r.metrics.startupMs !== undefined && !r.metrics.paused);
      const stalls = now.reduce((a, r) => a + (r.metrics?.stalls.length ?? 0), 0);
      stderr.write(
        `browser players: ${playing.length}/${now.length} playing, ${stalls} stalls, ${Math.round((Date.now() - startedAt) / 1000)} s\n`,
      );
    }
    const read = await players.readAll();
    const out: BrowserSessionQoe[] = [];
    for (const r of read) {
      if (!r.metrics) {
        stderr.write(`${r.player.id}: ${r.error}\n`);
        continue;
      }
      const titleId = titleOf(r.player.request.src) ?? titleIds[0]!;
      out.push({
        qoe: pageMetricsToQoe(r.metrics, { id: r.player.id, titleId, appliances }),
        raw: r.metrics,
      });
    }
    const report = {
      ...buildReport(out.map((s) => s.qoe)),
      run: {
        command: 'ferry sim --players browser',
        control,
        players: 'browser',
        sessions,
        durationSec,
        titles: titleIds,
        startedAtMs: startedAt,
        endedAtMs: Date.now(),
      },
      // The players' own records, as their pages kept them.
      browserPlayers: out.map((s) => ({ id: s.qoe.id, metrics: s.raw })),
    };
    const { html, json } = await writeReport(report, reportPath, `ferry sim: ${sessions} browser players`);
    stdout.write(renderBrowserTable(out));
    stdout.write(`report      ${html}\n            ${json}\n`);
    return { sessions: out, html, json };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await players.close();
  }
}

async function checkManifest(src: string): Promise<void> {
  let status: number;
  let body = '';
  try {
    const res = await fetch(src, { signal: AbortSignal.timeout(10_000) });
    status = res.status;
    body = await res.text();
  } catch (err) {
    throw new BrowserSimError('FERRY_ERR_SIM_BROWSER_CONTROL', `${src}: ${String(err)}`, { cause: err });
  }
  if (status !== 200) {
    throw new BrowserSimError('FERRY_ERR_SIM_BROWSER_CONTROL', `${src}: ${status} ${body.slice(0, 300)}`);
  }
}

function titleOf(src: string): string | undefined {
  const m = /\/v1\/titles\/([^/]+)\//.exec(new URL(src).pathname);
  return m ? decodeURIComponent(m[1]!) : undefined;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
