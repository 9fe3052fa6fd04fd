// One autocannon run against one server, in a child process of its own.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AutocannonJob, AutocannonLoad } from '../common/autocannon-child.js';
import { type ProcessGroup, runToCompletion } from '../common/processes.js';

/** One autocannon run against POST /v1/steer. */
export type SteerLoadResult = AutocannonLoad;

import type { PlannedSteer } from './client-plan.js';

const CHILD = fileURLToPath(new URL('../common/autocannon-child.ts', import.meta.url));
// Startup, connection teardown and result aggregation on a busy two-core box.
const OVERHEAD_MS = 30_000;

export async function runSteerLoad(input: {
  group: ProcessGroup;
  repoRoot: string;
  workDir: string;
  baseUrl: string;
  connections: number;
  durationSec: number;
  plan: readonly PlannedSteer[];
}): Promise<SteerLoadResult> {
  const job: AutocannonJob = {
    url: input.baseUrl,
    connections: input.connections,
    durationSec: input.durationSec,
    requests: input.plan.map((r) => ({
      method: 'POST',
      path: '/v1/steer',
      body: r.body,
      headers: { 'content-type': 'application/json', 'x-forwarded-for': r.xff },
    })),
  };
  const jobPath = join(input.workDir, 'autocannon-steer-job.json');
  await writeFile(jobPath, JSON.stringify(job));
  const r = await runToCompletion(input.group, {
    name: 'autocannon',
    command: process.execPath,
    args: ['--import', 'tsx', CHILD, jobPath],
    cwd: input.repoRoot,
    timeoutMs: input.durationSec * 1000 + OVERHEAD_MS,
  });
  if (r.code !== 0) throw new Error(`autocannon: exit ${r.code ?? r.signal}\n${r.stderr.trim().slice(-800)}`);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as SteerLoadResult;
}
