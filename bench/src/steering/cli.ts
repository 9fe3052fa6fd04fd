// `ferry bench steering`: `ferry control` answering POST /v1/steer with a full deployment
// loaded through its own API (catalog, appliances, a 1M-prefix table, inventories, live
// heartbeats), against a bare fastify route returning an answer of the same size.
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, ProcessGroup, stopOnExit } from '@ferry/harness';
import { writeFileAtomic } from '../common/atomic-write.js';
import { machineInfo } from '../common/machine.js';
import { stamp } from '../common/result-files.js';
import { buildCatalog, DEFAULT_CATALOG, fileIdsOf } from './catalog.js';
import { planSteers } from './client-plan.js';
import {
  checkAnswer,
  healthLosses,
  listAppliances,
  postCatalog,
  steerOnce,
  waitHealthy,
} from './control-api.js';
import { type FakeAppliances, startFakeAppliances } from './fake-appliances.js';
import { heartbeatFleet } from './heartbeats.js';
import { placeFiles } from './inventory.js';
import { buildLayout, MAX_PREFIXES, tableSize } from './layout.js';
import { invalidRunNotes, type Report, renderReportMarkdown, renderReportText, summarize } from './report.js';
import { runRounds } from './rounds.js';
import { startAnchor, startControl } from './servers.js';

export interface BenchSteeringOptions {
  appliances: number;
  prefixes: number;
  duration: number;
  rounds: number;
  connections: number;
  out: string;
}

const REPO_ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const PLAN_LENGTH = 4096;
// Requests checked (200, a URL for every stream) before timing starts.
const CHECKS = 32;
const HEALTHY_TIMEOUT_MS = 60_000;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function ferryBin(): string {
  const p = join(REPO_ROOT, 'cli/bin/ferry.js');
  if (!existsSync(p)) throw new Error(`ferry command not found at ${p}`);
  return p;
}

function validate(o: BenchSteeringOptions): void {
  const int = (v: number, min: number, max: number, flag: string) => {
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${flag} must be ${min}-${max}`);
  };
  int(o.appliances, 1, 1000, '--appliances');
  int(o.prefixes, 1, MAX_PREFIXES, '--prefixes');
  int(o.duration, 1, 600, '--duration');
  int(o.rounds, 1, 100, '--rounds');
  int(o.connections, 1, 1024, '--connections');
}

export async function runBenchSteering(opts: BenchSteeringOptions): Promise<void> {
  validate(opts);
  const started = new Date();
  const versions = {
    fastify: (await import('fastify/package.json', { with: { type: 'json' } })).default.version as string,
    autocannon: (await import('autocannon/package.json', { with: { type: 'json' } })).default
      .version as string,
  };
  const machine = machineInfo(versions);
  const notes: string[] = [];
  const workDir = await mkdtemp(join(tmpdir(), 'ferry-bench-steering-'));
  const group = new ProcessGroup();
  const uninstall = stopOnExit(group, () => rmSync(workDir, { recursive: true, force: true }));
  const layout = buildLayout({ appliances: opts.appliances, prefixes: opts.prefixes });
  let fakes: FakeAppliances | undefined;
  let fleet: ReturnType<typeof heartbeatFleet> | undefined;
  try {
    fakes = await startFakeAppliances(layout.appliances.map((a) => a.id));
    const control = await startControl({
      group,
      ferryBin: ferryBin(),
      repoRoot: REPO_ROOT,
      workDir,
      port: await freePort(),
    });
    log(`work dir ${workDir}; control at ${control.baseUrl}`);

    let t = Date.now();
    const catalog = buildCatalog(DEFAULT_CATALOG);
    await postCatalog(control, JSON.stringify(catalog));
    log(`catalog: ${catalog.titles.length} titles posted in ${Date.now() - t} ms`);

    t = Date.now();
    const held = placeFiles(layout, fileIdsOf(catalog));
    fleet = heartbeatFleet({
      controlUrl: control.baseUrl,
      token: control.token,
      urlOf: fakes.urlOf,
      appliances: layout.appliances.length,
    });
    await fleet.open({ layout, held });
    log(
      `${layout.appliances.length} appliances in ${layout.sites.length} sites sent routes and inventories in ${Date.now() - t} ms`,
    );
    await waitHealthy(control, layout.appliances.length, HEALTHY_TIMEOUT_MS);
    log('every appliance healthy');

    const plan = planSteers({
      titleIds: catalog.titles.map((x) => x.id),
      prefixes: opts.prefixes,
      count: PLAN_LENGTH,
    });
    let answer = '';
    for (const p of plan.slice(0, CHECKS)) {
      const check = await steerOnce(control.baseUrl, p.body, p.xff);
      const why = checkAnswer(check);
      if (why) throw new Error(`control's answer for ${p.body} from ${p.xff} is not a full one: ${why}`);
      answer ||= check.text;
    }
    const answerFile = join(workDir, 'answer.json');
    await writeFile(answerFile, answer);
    const anchor = await startAnchor({ group, repoRoot: REPO_ROOT, port: await freePort(), answerFile });
    const anchorCheck = checkAnswer(await steerOnce(anchor.baseUrl, plan[0]!.body, plan[0]!.xff));
    if (anchorCheck) throw new Error(`anchor's answer is not a full one: ${anchorCheck}`);

    const loadStarted = Date.now();
    const { samples, decisions } = await runRounds({
      group,
      repoRoot: REPO_ROOT,
      workDir,
      control,
      anchor,
      plan,
      rounds: opts.rounds,
      durationSec: opts.duration,
      connections: opts.connections,
    });

    const hb = fleet.stats();
    if (hb.failed > 0)
      notes.push(`${hb.failed} of ${hb.sent + hb.failed} heartbeats failed (last: ${hb.lastError})`);
    const unhealthy = (await listAppliances(control)).filter((a) => a.health !== 'healthy');
    if (unhealthy.length > 0) {
      notes.push(
        `${unhealthy.length} appliance(s) not healthy at the end, e.g. ${unhealthy[0]!.id}: ${unhealthy[0]!.health}`,
      );
    }
    for (const [reason, n] of await healthLosses(control, loadStarted)) {
      notes.push(`control took appliances out of steering during the load ${n} time(s): ${reason}`);
    }
    notes.push(...invalidRunNotes(samples));
    notes.push(
      `during every run the bench process sends ${layout.appliances.length} heartbeats/s to control and control probes each appliance every 500 ms, as in production; the anchor gets neither`,
    );
    const report: Report = {
      date: started.toISOString(),
      machine,
      settings: {
        appliances: layout.appliances.length,
        sites: layout.sites.length,
        prefixes24: opts.prefixes,
        tablePrefixes: tableSize(layout),
        titles: catalog.titles.length,
        streamsPerTitle: DEFAULT_CATALOG.streamsPerTitle,
        segmentsPerStream: DEFAULT_CATALOG.segmentsPerStream,
        answerBytes: Buffer.byteLength(answer),
        connections: opts.connections,
        durationSec: opts.duration,
        rounds: opts.rounds,
      },
      decisions,
      notes,
      samples,
      summary: summarize(samples),
    };
    process.stdout.write(`\n${renderReportText(report)}\n`);
    const outDir = resolve(opts.out);
    const base = join(outDir, `steering-${stamp(started)}`);
    const md = renderReportMarkdown(report);
    await writeFileAtomic(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
    await writeFileAtomic(`${base}.md`, md);
    log(`wrote ${base}.json, ${base}.md`);
  } finally {
    await fleet?.stop();
    await group.stopAll();
    await fakes?.close();
    uninstall();
    rmSync(workDir, { recursive: true, force: true });
  }
}
