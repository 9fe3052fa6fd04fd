// `ferry bench failover`: the demo's deployment under an audience; kill -9 one appliance
// and measure how long control takes to mark it down, how long until every affected
// viewer fetches elsewhere, and what viewers saw (stalls, failed fetches per affected
// viewer, retries, re-steers). Writes JSON and the HTML QoE report (the kill and control's
// detection marked on its timeline, failover markers on the load chart) under bench/results/.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  audienceRunSettings,
  bufferRunSettings,
  buildReport,
  type ReportEvent,
  watchSelfLoad,
  writeReport,
} from '@ferry/client-sim';
import { demoViewerAddress, playViewers, startDeployment, type Topology } from '@ferry/harness';
import type { ControlClient } from '@ferry/protocol';
import { writeFileAtomic } from '../common/atomic-write.js';
import { describeMachine, machineInfo } from '../common/machine.js';
import { resultBase } from '../common/result-files.js';
import { analyzeFailover, FAILED_FETCHES_PER_AFFECTED_GOAL } from './analyze.js';

export interface BenchFailoverOptions {
  sessions: number;
  duration: number;
  out: string;
}

const VICTIM = 'east-1';
const BUFFER_SEC = 10;
const SITES = [
  { id: 'east-1', site: 'isp-east', address: '127.0.0.21', prefix: '127.64.0.0/16' },
  { id: 'east-2', site: 'isp-east', address: '127.0.0.22', prefix: '127.64.0.0/16' },
  { id: 'west-1', site: 'isp-west', address: '127.0.0.23', prefix: '127.65.0.0/16' },
] as const;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

export async function runBenchFailover(opts: BenchFailoverOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-failover-'));
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  let topo: Topology | undefined;
  try {
    const d = await startDeployment({
      dir,
      appliances: SITES,
      content: { titles: 2, minutes: 2, seed: 'failover' },
      say: log,
      signal: stop.signal,
    });
    const { topo: running, catalog } = d;
    topo = running;
    log(
      `playing ${opts.sessions} viewers for ${opts.duration} s; ${VICTIM} is killed at ${opts.duration / 2} s`,
    );

    let killAtMs = 0;
    let detectedMs: number | null = null;
    const killer = setTimeout(
      () => {
        killAtMs = Date.now();
        running.kill(VICTIM);
        void watchDetection(running.client(2000), killAtMs, stop.signal).then((ms) => {
          detectedMs = ms;
        });
      },
      (opts.duration * 1000) / 2,
    );
    const load = watchSelfLoad();
    const playedFromMs = Date.now();
    const sessions = await playViewers({
      control: running.controlUrl,
      catalog,
      sessions: opts.sessions,
      durationSec: opts.duration,
      addressOf: demoViewerAddress,
      signal: stop.signal,
    });
    const selfLoad = load.stop();
    const playedToMs = Date.now();
    clearTimeout(killer);
    const segSec = new Map(catalog.titles.map((t) => [t.id, t.streams[0]!.segmentDurationSec]));
    const a = analyzeFailover(sessions, {
      victim: VICTIM,
      killAtMs,
      segmentSec: (q) => segSec.get(q.titleId) ?? 4,
      bufferSec: BUFFER_SEC,
    });
    const date = new Date();
    const machine = machineInfo();
    const lines = [
      `ferry bench failover — ${date.toISOString()}`,
      ...describeMachine(machine),
      `${opts.sessions} viewers for ${opts.duration} s over 3 appliances in 2 sites (real processes); kill -9 of ${VICTIM} at ${opts.duration / 2} s`,
      '',
      `control marked ${VICTIM} down after          ${detectedMs === null ? 'n/a' : `${detectedMs} ms`}   (goal ≤ 3000 ms)`,
      `sessions fetching from ${VICTIM} at the kill  ${a.affected}`,
      `  of them asking for nothing more          ${a.affectedIdle}   (title ended, viewer left, or buffer full to the end)`,
      `all the others fetching elsewhere after  ${a.allMovedMs === null ? 'n/a' : `${a.allMovedMs} ms`}`,
      `stalls after the kill                    ${a.stallsAfterKill}`,
      `  among ${a.sessionsWithBuffer} sessions with ≥ ${BUFFER_SEC} s buffered   ${a.stallsWithBuffer}   (goal 0)`,
      `failed segment fetches (failovers)       ${a.failedFetches}`,
      `failed fetches per affected viewer       ${a.failedFetchesPerAffected === null ? 'n/a' : a.failedFetchesPerAffected.toFixed(2)}   (goal ≤ ${FAILED_FETCHES_PER_AFFECTED_GOAL}; ${a.affectedFailedFetches} over ${a.affected} sessions)`,
      `retries after the kill                   ${a.retriesAfterKill}   (players' own count, whole run: ${a.retriesRecorded})`,
      `re-steers after the kill                 ${a.resteersAfterKill}`,
      `sessions with errors                     ${a.sessionsWithErrors}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    const base = resultBase(opts.out, 'failover', date);
    await writeFileAtomic(
      `${base}.json`,
      `${JSON.stringify(
        {
          date: date.toISOString(),
          machine,
          options: opts,
          victim: VICTIM,
          detectedMs,
          goals: {
            detectedMs: 3000,
            stallsWithBuffer: 0,
            failedFetchesPerAffected: FAILED_FETCHES_PER_AFFECTED_GOAL,
          },
          ...a,
        },
        null,
        2,
      )}\n`,
    );
    const events: ReportEvent[] = [
      { atMs: killAtMs, kind: 'kill', label: `kill -9 ${VICTIM}`, applianceId: VICTIM },
    ];
    if (detectedMs !== null) {
      events.push({
        atMs: killAtMs + detectedMs,
        kind: 'health',
        label: `${VICTIM} marked down`,
        applianceId: VICTIM,
      });
    }
    const files = await writeReport(
      buildReport(sessions, {
        events,
        run: {
          command: 'ferry bench failover',
          control: running.controlUrl,
          sessions: opts.sessions,
          durationSec: opts.duration,
          titles: catalog.titles.map((t) => t.id),
          audience: audienceRunSettings(),
          buffer: bufferRunSettings(),
          victim: VICTIM,
          startedAtMs: playedFromMs,
          endedAtMs: playedToMs,
          selfLoad,
        },
      }),
      `${base}-qoe.html`,
      'ferry bench failover',
    );
    process.stdout.write(`wrote ${base}.json, ${files.html}, ${files.json}\n`);
  } finally {
    process.off('SIGINT', onSignal);
    await topo?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Polls control until the victim is no longer healthy; ms from the kill, or null. */
async function watchDetection(
  client: ControlClient,
  killAtMs: number,
  signal: AbortSignal,
): Promise<number | null> {
  // Polled tightly: the detection time is what this benchmark reports.
  for (let i = 0; i < 300 && !signal.aborted; i++) {
    const health = await client
      .getAppliance(VICTIM, { signal })
      .then((a) => a.health)
      .catch(() => undefined);
    if (health !== undefined && health !== 'healthy') return Date.now() - killAtMs;
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}
