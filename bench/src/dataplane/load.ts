// One load run against one server: autocannon in a child process of its own, or wrk.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ProcessGroup, runToCompletion } from '@ferry/harness';
import type { AutocannonJob } from '../common/autocannon-child.js';
import { runAutocannonJob } from '../common/autocannon-run.js';
import type { PlannedRequest } from './load-plan.js';
import { type LoadResult, parseWrkOutput, wrkArgs } from './wrk.js';

export type Tool = 'autocannon' | 'wrk';
export const WRK_BIN = 'wrk';

// Startup, connection teardown and result aggregation on a busy two-core box.
const OVERHEAD_MS = 30_000;

export interface LoadInput {
  readonly group: ProcessGroup;
  readonly tool: Tool;
  readonly repoRoot: string;
  readonly workDir: string;
  readonly baseUrl: string;
  readonly connections: number;
  readonly durationSec: number;
  /** wrk threads; autocannon is one process by design. */
  readonly threads: number;
  /** File (in workDir) holding this case's plan for the tool: JSON job or Lua script. */
  readonly planFile: string;
}

export async function writePlanFiles(
  workDir: string,
  caseIndex: number,
  plan: readonly PlannedRequest[],
  lua: string,
): Promise<{ json: string; lua: string }> {
  const json = join(workDir, `plan-${caseIndex}.json`);
  const luaPath = join(workDir, `plan-${caseIndex}.lua`);
  await writeFile(json, JSON.stringify(plan));
  await writeFile(luaPath, lua);
  return { json, lua: luaPath };
}

export async function runLoad(input: LoadInput): Promise<LoadResult> {
  return input.tool === 'autocannon' ? runAutocannon(input) : runWrk(input);
}

async function runAutocannon(input: LoadInput): Promise<LoadResult> {
  const plan = JSON.parse(await readFile(input.planFile, 'utf8')) as PlannedRequest[];
  const job: AutocannonJob = {
    url: input.baseUrl,
    connections: input.connections,
    durationSec: input.durationSec,
    requests: plan.map((r) => ({ method: 'GET', path: r.path, headers: { range: r.range } })),
  };
  return runAutocannonJob({
    group: input.group,
    repoRoot: input.repoRoot,
    jobPath: join(input.workDir, 'autocannon-job.json'),
    job,
  });
}

async function runWrk(input: LoadInput): Promise<LoadResult> {
  const r = await runToCompletion(input.group, {
    name: 'wrk',
    command: WRK_BIN,
    args: wrkArgs({
      url: input.baseUrl,
      connections: input.connections,
      threads: input.threads,
      durationSec: input.durationSec,
      script: input.planFile,
    }),
    cwd: input.workDir,
    timeoutMs: input.durationSec * 1000 + OVERHEAD_MS,
  });
  if (r.code !== 0) throw new Error(`wrk: exit ${r.code ?? r.signal}\n${r.stderr.trim().slice(-800)}`);
  return parseWrkOutput(r.stdout);
}
