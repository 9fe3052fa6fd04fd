// `ferry demo`: the first thing a new user runs, with nothing to configure. It generates
// content, starts control on SQLite with a chaos key, four appliances in two sites on
// 127.0.0.x (three in the east, one in the west, each with its own store and chaos on), gives
// each site its client prefix over BGP with `ferry announce`, loads the catalog, plays an
// audience from both sites' networks and runs a short game day through control: one latency,
// one throttle, one BGP flap and one kill, each on one east appliance, one after another.
// The dashboard's URL is printed as soon as control is up (docs/dashboard.md).
// It prints what the viewers saw and where the HTML report is, with the experiments drawn on
// its charts. Every process it started is stopped on exit, Ctrl-C included.
import { join, resolve } from 'node:path';
import {
  buildReport,
  type ExperimentReport,
  experimentLabel,
  experimentLine,
  formatBps,
  formatBytes,
  parseNetworkMix,
  qoeLine,
  qoeReport,
  type SelfLoad,
  type SessionQoe,
  selfLoadWarning,
  writeReport,
} from '@ferry/client-sim';
import {
  type Deployment,
  defaultGameDay,
  demoSites,
  playWhileActing,
  startDeployment,
  type Topology,
} from '@ferry/harness';

export interface DemoOptions {
  dir: string;
  duration: number;
  sessions: number;
}

const SITES = demoSites(11);

/**
 * Four titles, each longer than the run (a viewer who stays never reaches the end), so the
 * viewers still fetch when the game day's kill comes; Zipf popularity makes t0001 the hit.
 */
/**
 * The demo's viewers: ferry sim's default mix plus a share on congested links, and a 12 s
 * buffer (dash.js's default stable buffer, against hls.js's 30 s), so that the game day's
 * throttle and kill cost some viewers a stall rather than being hidden behind half a minute
 * of buffered media.
 */
export const DEMO_NETWORKS = 'mobile:25,dsl:15,cable:30,fibre:15,congested:15';
export const DEMO_BUFFER_SEC = 12;

export function demoContent(durationSec: number): { titles: number; minutes: number; seed: string } {
  return { titles: 4, minutes: Math.max(2, Math.ceil((durationSec * 1.5) / 60)), seed: 'ferry-demo' };
}

/**
 * The dashboard's address with the demo's operator token in its fragment: the page logs in
 * with it and removes it from the address bar; a fragment never reaches a server's logs.
 */
export function dashboardUrl(controlUrl: string, token: string): string {
  return `${controlUrl}/ui/#token=${token}`;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

export async function runDemo(opts: DemoOptions): Promise<void> {
  const dir = resolve(opts.dir);
  const stop = new AbortController();
  const onSignal = () => {
    say('\nstopping (signal)');
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let topo: Topology | undefined;
  try {
    const d = await startDeployment({
      dir,
      appliances: SITES,
      content: demoContent(opts.duration),
      chaos: true,
      fillFromOrigin: true,
      say,
      signal: stop.signal,
      // As soon as control answers: the dashboard shows the rest coming up.
      onControl: (t) => say(`dashboard: ${dashboardUrl(t.controlUrl, t.operatorToken)}`),
    });
    topo = d.topo;
    if (stop.signal.aborted) return;
    say(
      `\nplaying ${opts.sessions} viewers for ${opts.duration} s from 127.64.0.0/16 (east) and 127.65.0.0/16 (west)`,
    );
    say(
      'game day through control: latency, throttle, BGP flap and kill, each on the busiest east appliance of the moment',
    );
    const { sessions, experiments, healthChanges, run } = await playWithGameDay(d, opts, stop.signal);
    const report = buildReport(sessions, {
      experiments,
      chaos: { healthChanges },
      run: { command: 'ferry demo', ...run },
    });
    const files = await writeReport(report, join(dir, 'report.html'), 'ferry demo');
    printSummary(sessions, report.summary, run.selfLoad);
    printExperiments(report.experiments ?? []);
    say(`\nreport: ${files.html}\n        ${files.json}`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await topo?.stop();
    say('all demo processes stopped');
  }
}

async function playWithGameDay(d: Deployment, opts: DemoOptions, signal: AbortSignal) {
  const started = Date.now();
  const progress = setInterval(() => {
    process.stderr.write(`[${Math.round((Date.now() - started) / 1000)} s] playing…\n`);
  }, 10_000);
  try {
    const run = await playWhileActing(d, {
      sessions: opts.sessions,
      durationSec: opts.duration,
      steps: defaultGameDay(opts.duration, 'isp-east'),
      audience: { networks: parseNetworkMix(DEMO_NETWORKS) },
      buffer: { maxBufferSec: DEMO_BUFFER_SEC },
      say,
      signal,
    });
    for (const exit of run.exits) {
      const t = Math.round((exit.atMs - run.startedAtMs) / 1000);
      say(
        `[${t} s] ${exit.id} exited (${exit.byChaos ? 'killed by chaos, restarted' : (exit.signal ?? exit.code)})`,
      );
    }
    return { sessions: run.sessions, experiments: run.experiments, healthChanges: run.health, run: run.run };
  } finally {
    clearInterval(progress);
  }
}

function printSummary(
  sessions: SessionQoe[],
  s: ReturnType<typeof buildReport>['summary'],
  load: SelfLoad | undefined,
): void {
  const ms = (v: number) => `${Math.round(v)} ms`;
  const mbps = formatBps;
  say('\nwhat the viewers saw');
  say(`  viewers             ${s.sessions} (${s.started} started playing)`);
  say(`  startup time        p50 ${ms(s.startupMs.p50)}, p95 ${ms(s.startupMs.p95)}`);
  say(
    `  stalls              ${sessions.reduce((n, q) => n + q.stallCount, 0)} in all, rebuffer ratio p95 ${(s.rebufferRatio.p95 * 100).toFixed(2)} %`,
  );
  say(
    `  average bitrate     min ${mbps(s.avgBitrate.min)}, p50 ${mbps(s.avgBitrate.p50)}, p90 ${mbps(s.avgBitrate.p90)}`,
  );
  const qoe = qoeReport(sessions);
  say(`  QoE (CTA-2066)      ${qoeLine(qoe.overall)}`);
  for (const [network, a] of Object.entries(qoe.byNetwork).sort()) {
    say(`    on ${network.padEnd(14)} ${qoeLine(a)}`);
  }
  say(
    `  failovers           ${s.failovers}; failed fetches ${qoe.overall.failedFetches} (retries ${qoe.overall.retries}, re-steers ${qoe.overall.resteers})`,
  );
  for (const [id, bytes] of Object.entries(s.bytesByAppliance).sort()) {
    say(`  bytes from ${id.padEnd(8)} ${formatBytes(bytes)}`);
  }
  if (load) {
    say(
      `  simulator load      CPU ${load.cpuPercent.toFixed(0)} % of a core, event-loop delay p99 ${load.loopDelayP99Ms.toFixed(1)} ms`,
    );
    const warning = selfLoadWarning(load);
    if (warning) say(`  ${warning}`);
  }
  const errors = Object.entries(s.errorsByCode);
  say(
    `  errors              ${errors.length === 0 ? 'none' : errors.map(([c, n]) => `${c} ×${n}`).join(', ')}`,
  );
  // The first few distinct ones in words: a count alone does not say what went wrong.
  const seen = new Set<string>();
  for (const e of sessions.flatMap((q) => q.errors)) {
    const line = `${e.code}: ${e.message}`;
    if (seen.size >= 3 || seen.has(line)) continue;
    seen.add(line);
    say(`    ${line.slice(0, 160)}`);
  }
}

function printExperiments(reports: readonly ExperimentReport[]): void {
  say('\nchaos experiments (run by control, carried out by the appliances)');
  if (reports.length === 0) say('  none recorded');
  for (const r of reports) say(`  ${experimentLabel(r.experiment).padEnd(26)} ${experimentLine(r)}`);
}
