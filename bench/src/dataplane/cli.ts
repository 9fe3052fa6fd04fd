// `ferry bench dataplane`: the appliance (sendfile engine and copy path) against nginx with
// sendfile on and against a bare node:http server (Node's floor), same files, same request
// stream, runs alternating so drift hits all alike.
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatBytes } from '@ferry/client-sim';
import { freePort, ProcessGroup, stopOnExit } from '@ferry/harness';
import { writeFileAtomic } from '../common/atomic-write.js';
import { machineInfo, toolVersion } from '../common/machine.js';
import { stamp } from '../common/result-files.js';
import { type BenchContent, prepareContent } from './content.js';
import { startHttpsServers } from './https-servers.js';
import { type Tool, WRK_BIN } from './load.js';
import { CASES } from './load-plan.js';
import {
  clientBoundNotes,
  invalidRunNotes,
  type Report,
  renderReportMarkdown,
  renderReportText,
  type ServerName,
  summarize,
} from './report.js';
import { runRounds } from './rounds.js';
import { NGINX_BIN, type Server, startAppliance, startNginx, startNodeHttp } from './servers.js';

export interface BenchDataplaneOptions {
  rounds: number;
  duration: number;
  tools: string;
  out: string;
  /** the HTTPS rows: 'on' adds them, 'only' runs nothing else (default on) */
  https?: HttpsMode;
  /** processes per server (nginx workers, appliance --workers, node:http cluster); default: cores */
  workers?: number;
}

export type HttpsMode = 'on' | 'off' | 'only';

const REPO_ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const KNOWN_TOOLS: readonly Tool[] = ['autocannon', 'wrk'];

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function ferryBin(): string {
  for (const rel of ['cli/bin/ferry.js', 'bin/ferry.js']) {
    const p = join(REPO_ROOT, rel);
    if (existsSync(p)) return p;
  }
  throw new Error(`ferry command not found under ${REPO_ROOT}`);
}

function parseTools(list: string): Tool[] {
  const tools = [
    ...new Set(
      list
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
  for (const t of tools) {
    if (!KNOWN_TOOLS.includes(t as Tool))
      throw new Error(`unknown load tool "${t}" (known: ${KNOWN_TOOLS.join(', ')})`);
  }
  if (tools.length === 0) throw new Error('--tools lists no tool');
  return tools as Tool[];
}

export async function runBenchDataplane(opts: BenchDataplaneOptions): Promise<void> {
  if (!Number.isInteger(opts.rounds) || opts.rounds < 1 || opts.rounds > 100)
    throw new Error('--rounds must be 1-100');
  if (!Number.isInteger(opts.duration) || opts.duration < 1 || opts.duration > 600) {
    throw new Error('--duration must be 1-600 seconds');
  }
  if (!existsSync(NGINX_BIN)) throw new Error(`${NGINX_BIN} not found; run scripts/install-system-deps.sh`);
  const https = opts.https ?? 'on';
  if (https !== 'on' && https !== 'off' && https !== 'only')
    throw new Error('--https must be on, off or only');
  const notes: string[] = [];
  let tools = parseTools(opts.tools);
  const wrkVersion = await toolVersion(WRK_BIN, ['-v'], /^wrk (\S+)/m);
  if (tools.includes('wrk') && wrkVersion === 'not installed') {
    tools = tools.filter((t) => t !== 'wrk');
    notes.push('wrk is not installed (scripts/install-system-deps.sh); ran autocannon only.');
    if (tools.length === 0) throw new Error('no load tool available');
  }
  if (
    opts.workers !== undefined &&
    (!Number.isInteger(opts.workers) || opts.workers < 1 || opts.workers > 256)
  ) {
    throw new Error('--workers must be 1-256');
  }
  const started = new Date();
  const cores = opts.workers ?? availableParallelism();
  // The load generator needs cores too; wrk gets half of them, autocannon is one process.
  const wrkThreads = Math.max(1, Math.floor(availableParallelism() / 2));
  const versions = {
    nginx: await toolVersion(NGINX_BIN, ['-v'], /nginx\/(\S+)/),
    wrk: wrkVersion,
    autocannon: (await import('autocannon/package.json', { with: { type: 'json' } })).default
      .version as string,
  };
  const machine = machineInfo(versions);

  const workDir = await mkdtemp(join(tmpdir(), 'ferry-bench-dataplane-'));
  const group = new ProcessGroup();
  const uninstall = stopOnExit(group, () => rmSync(workDir, { recursive: true, force: true }));
  try {
    log(`work dir ${workDir}; generating content`);
    const bin = ferryBin();
    const content = await prepareContent({
      group,
      ferryBin: bin,
      repoRoot: REPO_ROOT,
      workDir,
      titles: 2,
      minutes: 2,
    });
    log(`content: ${content.files.length} files, ${formatBytes(content.totalBytes)} in ${content.store}`);
    const servers = await startServers({ group, bin, workDir, content, workers: cores, notes, https });
    if (https !== 'off' && !tools.includes('wrk'))
      notes.push('the HTTPS rows are measured with wrk only; wrk was not run.');
    const samples = await runRounds({
      repoRoot: REPO_ROOT,
      group,
      servers,
      content,
      workDir,
      tools,
      rounds: opts.rounds,
      duration: opts.duration,
      wrkThreads,
      notes,
    });
    notes.push(...invalidRunNotes(samples), ...clientBoundNotes(samples, CASES));
    const report: Report = {
      date: started.toISOString(),
      machine,
      settings: {
        rounds: opts.rounds,
        durationSec: opts.duration,
        tools,
        cases: CASES,
        nginxWorkers: cores,
        wrkThreads,
        files: content.files.length,
        contentBytes: content.totalBytes,
      },
      notes,
      samples,
      summary: summarize(samples, CASES, tools),
    };
    await group.stopAll();
    process.stdout.write(`\n${renderReportText(report)}\n`);
    const outDir = resolve(opts.out);
    const base = join(outDir, `dataplane-${stamp(started)}`);
    const md = renderReportMarkdown(report);
    await writeFileAtomic(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
    await writeFileAtomic(`${base}.md`, md);
    await writeFileAtomic(join(outDir, 'dataplane-latest.md'), md);
    log(`wrote ${base}.json, ${base}.md, ${join(outDir, 'dataplane-latest.md')}`);
  } finally {
    await group.stopAll();
    uninstall();
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function startServers(input: {
  group: ProcessGroup;
  bin: string;
  workDir: string;
  content: BenchContent;
  workers: number;
  notes: string[];
  https: HttpsMode;
}): Promise<Map<ServerName, Server>> {
  const { group, content } = input;
  const servers = new Map<ServerName, Server>();
  const probe = `/v1/c/${encodeURIComponent(content.files[0]!.id)}`;
  if (input.https !== 'off') {
    await startHttpsServers({ ...input, cwd: REPO_ROOT, probePath: probe, servers, log });
    if (input.https === 'only') return withAppliance(servers, input.notes);
  }
  servers.set(
    'nginx',
    await startNginx({
      group,
      dir: join(input.workDir, 'nginx'),
      port: await freePort(),
      root: content.filesDir,
      workers: input.workers,
      probePath: probe,
    }),
  );
  servers.set(
    'node-http',
    await startNodeHttp({
      group,
      cwd: REPO_ROOT,
      port: await freePort(),
      root: content.filesDir,
      workers: input.workers,
    }),
  );
  for (const bodySender of ['sendfile', 'copy'] as const) {
    try {
      const s = await startAppliance({
        group,
        ferryBin: input.bin,
        cwd: REPO_ROOT,
        port: await freePort(),
        adminPort: await freePort(),
        store: content.store,
        bodySender,
        // Same process count as nginx: both may use every core.
        workers: input.workers,
      });
      servers.set(s.name as ServerName, s);
    } catch (err) {
      // One path that cannot start (no native engine, say) should not void the other's numbers.
      const msg = (err as Error).message.split('\n').slice(0, 3).join(' / ');
      input.notes.push(`appliance --body-sender ${bodySender} did not start: ${msg}`);
      log(`appliance ${bodySender}: not started: ${msg}`);
    }
  }
  return withAppliance(servers, input.notes);
}

function withAppliance(servers: Map<ServerName, Server>, notes: string[]): Map<ServerName, Server> {
  if (![...servers.keys()].some((k) => k.startsWith('ferry-')))
    throw new Error(`no appliance started:\n${notes.join('\n')}`);
  return servers;
}
