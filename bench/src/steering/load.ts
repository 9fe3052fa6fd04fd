// One autocannon run against one server, in a child process of its own.
import { join } from 'node:path';
import type { ProcessGroup } from '@ferry/harness';
import type { AutocannonJob, AutocannonLoad } from '../common/autocannon-child.js';
import { runAutocannonJob } from '../common/autocannon-run.js';

/** One autocannon run against POST /v1/steer. */
export type SteerLoadResult = AutocannonLoad;

import type { PlannedSteer } from './client-plan.js';

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
  return runAutocannonJob({
    group: input.group,
    repoRoot: input.repoRoot,
    jobPath: join(input.workDir, 'autocannon-steer-job.json'),
    job,
  });
}
