// The measured part of the dataplane bench: warm-up, then rounds of every case and tool,
// servers in a fixed alternating order, each run sampled with the appliance's event-loop
// gauge around it.
import { formatByteRate } from '@ferry/client-sim';
import type { ProcessGroup } from '@ferry/harness';
import { compareBodies } from './check-bodies.js';
import type { BenchContent } from './content.js';
import { runLoad, type Tool, writePlanFiles } from './load.js';
import { CASES, planRequests } from './load-plan.js';
import type { Sample, ServerName } from './report.js';
import { type Server, scrapeEventLoopP99Ms } from './servers.js';
import { wrkScript } from './wrk.js';

const PLAN_LENGTH = 1024;
// Long enough for the JIT to settle on the request path (Ferry has more of it than the
// anchors), so the first recorded run does not measure compilation.
const WARMUP_SEC = 3;
// Ranges per case compared byte for byte with nginx before timing starts.
const BODY_CHECKS = 4;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

export async function runRounds(input: {
  group: ProcessGroup;
  repoRoot: string;
  servers: Map<ServerName, Server>;
  content: BenchContent;
  workDir: string;
  tools: Tool[];
  rounds: number;
  duration: number;
  wrkThreads: number;
  notes: string[];
}): Promise<Sample[]> {
  const { group, servers, workDir } = input;
  const order: ServerName[] = (
    [
      'nginx',
      'node-http',
      'ferry-sendfile',
      'ferry-copy',
      'nginx-tls',
      'ferry-tls',
      'ferry-tls-1proc',
    ] as const
  ).filter((s) => servers.has(s));
  // Over https each appliance is checked against nginx over https (same certificate).
  const anchorOf = (name: ServerName): ServerName => (isTls(name) ? 'nginx-tls' : 'nginx');
  const plans = CASES.map((c, i) =>
    planRequests({ files: input.content.files, rangeBytes: c.rangeBytes, count: PLAN_LENGTH, seed: 1 + i }),
  );
  const planFiles = await Promise.all(
    plans.map((plan, i) => writePlanFiles(workDir, i, plan, wrkScript(plan))),
  );
  const lost = new Set<ServerName>();
  for (const name of order.filter((n) => n !== 'nginx' && n !== 'nginx-tls')) {
    const anchor = servers.get(anchorOf(name))!;
    const why = await compareBodies(
      anchor.baseUrl,
      servers.get(name)!.baseUrl,
      plans.flatMap((p) => p.slice(0, BODY_CHECKS)),
      anchor.ca,
    ).catch((err: Error) => {
      if (err.message.startsWith('nginx')) throw err;
      return `did not answer: ${err.message}`;
    });
    if (why) {
      const child = servers.get(name)!.child;
      await Promise.race([child.exited, new Promise((r) => setTimeout(r, 500))]);
      const crash = child.exit ? `; it exited: ${lastLines(child.stderr())}` : '';
      input.notes.push(`${name} left out: ${why}${crash}`);
      lost.add(name);
    }
  }
  const load = (server: Server, caseIndex: number, tool: Tool, durationSec: number) =>
    runLoad({
      group,
      tool,
      repoRoot: input.repoRoot,
      workDir,
      baseUrl: server.baseUrl,
      connections: CASES[caseIndex]!.connections,
      durationSec,
      threads: input.wrkThreads,
      planFile: tool === 'wrk' ? planFiles[caseIndex]!.lua : planFiles[caseIndex]!.json,
    });

  // JIT, page cache and connection setup settle before anything is recorded.
  for (const name of order) {
    if (lost.has(name)) continue;
    const tool = isTls(name) ? 'wrk' : input.tools[0]!;
    if (!input.tools.includes(tool)) continue;
    await load(servers.get(name)!, CASES.length - 1, tool, WARMUP_SEC).catch((err: Error) =>
      log(`warm-up of ${name} failed: ${err.message.split('\n')[0]}`),
    );
  }

  const samples: Sample[] = [];
  for (let round = 1; round <= input.rounds; round++) {
    for (let ci = 0; ci < CASES.length; ci++) {
      for (const tool of input.tools) {
        for (const name of order) {
          const server = servers.get(name)!;
          if (lost.has(name)) continue;
          // autocannon's HTTPS client is not what these rows compare: wrk only (OpenSSL, C).
          if (isTls(name) && tool !== 'wrk') continue;
          if (server.child.exit) {
            // A crashed server voids its own numbers only; the others keep running.
            if (!lost.has(name))
              input.notes.push(`${name} exited during the run: ${lastLines(server.child.stderr())}`);
            lost.add(name);
            continue;
          }
          const adminUrl = server.adminUrl;
          // The gauge covers the time since the previous scrape: scrape once to start the window.
          if (adminUrl) await scrapeEventLoopP99Ms(adminUrl);
          let sample: Sample;
          try {
            const result = await load(server, ci, tool, input.duration);
            const el = adminUrl ? await scrapeEventLoopP99Ms(adminUrl) : null;
            sample = { caseName: CASES[ci]!.name, tool, server: name, round, result, eventLoopP99Ms: el };
          } catch (err) {
            sample = {
              caseName: CASES[ci]!.name,
              tool,
              server: name,
              round,
              result: null,
              eventLoopP99Ms: null,
              error: (err as Error).message,
            };
          }
          samples.push(sample);
          log(progressLine(sample, input.rounds));
        }
      }
    }
  }
  return samples;
}

function isTls(name: ServerName): boolean {
  return name === 'nginx-tls' || name === 'ferry-tls' || name === 'ferry-tls-1proc';
}

/** The error line of a crash (a stack's last lines are node's own frames), else the tail. */
function lastLines(text: string): string {
  const lines = text.trim().split('\n');
  const error = lines.find((l) => /^\w*Error\b|^ferry: /.test(l));
  return (error ?? lines.slice(-3).join(' / ')).slice(0, 600);
}

function progressLine(s: Sample, rounds: number): string {
  const head = `round ${s.round}/${rounds}  ${s.caseName}  ${s.tool}  ${s.server}`;
  if (!s.result) return `${head}  failed: ${s.error?.split('\n')[0]}`;
  const r = s.result;
  const el = s.eventLoopP99Ms === null ? '' : `  loop p99 ${s.eventLoopP99Ms.toFixed(1)} ms`;
  return `${head}  ${r.reqPerSec.toFixed(0)} req/s  ${formatByteRate(r.bytesPerSec)}  p99 ${r.p99Ms ?? 'n/a'} ms  errors ${r.errors}${el}`;
}
