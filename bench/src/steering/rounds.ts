// The measured part: a warm-up per server, then `rounds` rounds of one run per server, the
// order flipping every round so that drift (thermal, a noisy neighbour) hits both alike.
// Control's decision counters are read around every timed Ferry run.
import { formatByteRate } from '@ferry/client-sim';
import type { ProcessGroup } from '@ferry/harness';
import type { PlannedSteer } from './client-plan.js';
import { scrapeControl } from './control-api.js';
import { processCpuSec } from './cpu-time.js';
import { DECISIONS, type DecisionCounts, diffDecisions } from './decisions.js';
import { runSteerLoad } from './load.js';
import type { Sample } from './report.js';
import type { Server } from './servers.js';

const WARMUP_SEC = 2;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

export async function runRounds(input: {
  group: ProcessGroup;
  repoRoot: string;
  workDir: string;
  control: Server;
  anchor: Server;
  plan: readonly PlannedSteer[];
  rounds: number;
  durationSec: number;
  connections: number;
}): Promise<{ samples: Sample[]; decisions: DecisionCounts }> {
  const load = (server: Server, durationSec: number) =>
    runSteerLoad({
      group: input.group,
      repoRoot: input.repoRoot,
      workDir: input.workDir,
      baseUrl: server.baseUrl,
      connections: input.connections,
      durationSec,
      plan: input.plan,
    });

  // JIT and connection setup settle before anything is recorded.
  for (const server of [input.anchor, input.control]) {
    await load(server, WARMUP_SEC).catch((err: Error) =>
      log(`warm-up of ${server.name} failed: ${err.message.split('\n')[0]}`),
    );
  }

  const samples: Sample[] = [];
  let decisions = Object.fromEntries(DECISIONS.map((d) => [d, 0])) as DecisionCounts;
  for (let round = 1; round <= input.rounds; round++) {
    const order = round % 2 ? [input.anchor, input.control] : [input.control, input.anchor];
    for (const server of order) {
      if (server.child.exit)
        throw new Error(`${server.name} exited: ${server.child.stderr().trim().slice(-600)}`);
      const isFerry = server === input.control;
      // The scrape before the run also starts control's event-loop lag window.
      const before = isFerry ? await scrapeControl(server.baseUrl) : null;
      const cpuBefore = processCpuSec(server.child.pid);
      let sample: Sample;
      try {
        sample = { server: server.name, round, result: await load(server, input.durationSec) };
      } catch (err) {
        sample = { server: server.name, round, result: null, error: (err as Error).message };
      }
      const cpuAfter = processCpuSec(server.child.pid);
      if (cpuBefore !== null && cpuAfter !== null) sample = { ...sample, cpuSec: cpuAfter - cpuBefore };
      if (before) {
        const after = await scrapeControl(server.baseUrl);
        const d = diffDecisions(before.decisions, after.decisions);
        decisions = Object.fromEntries(DECISIONS.map((k) => [k, decisions[k] + d[k]])) as DecisionCounts;
        sample = { ...sample, loopP99Ms: after.loopP99Ms, loopMaxMs: after.loopMaxMs };
      }
      samples.push(sample);
      log(progressLine(sample, input.rounds));
    }
  }
  return { samples, decisions };
}

function progressLine(s: Sample, rounds: number): string {
  const head = `round ${s.round}/${rounds}  ${s.server}`;
  if (!s.result) return `${head}  failed: ${s.error?.split('\n')[0]}`;
  const r = s.result;
  const loop =
    s.loopP99Ms == null
      ? ''
      : `  loop p99 ${s.loopP99Ms.toFixed(0)} ms max ${s.loopMaxMs?.toFixed(0) ?? 'n/a'} ms`;
  return `${head}  ${r.reqPerSec.toFixed(0)} req/s  p50 ${r.p50Ms ?? 'n/a'} ms  p99 ${r.p99Ms ?? 'n/a'} ms  ${formatByteRate(r.bytesPerSec)}  errors ${r.errors}${loop}`;
}
