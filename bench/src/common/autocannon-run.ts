// Runs one AutocannonJob in a child process of its own (autocannon-child.ts) and returns
// what it measured. The load generator never shares the bench driver's event loop.
import { fileURLToPath } from 'node:url';
import type { ProcessGroup } from '@ferry/harness';
import type { AutocannonJob, AutocannonLoad } from './autocannon-child.js';
import { runJsonChild } from './json-child.js';

const CHILD = fileURLToPath(new URL('./autocannon-child.ts', import.meta.url));
// Startup, connection teardown and result aggregation on a busy two-core box.
const OVERHEAD_MS = 30_000;

export function runAutocannonJob(input: {
  group: ProcessGroup;
  repoRoot: string;
  /** where the job file is written */
  jobPath: string;
  job: AutocannonJob;
}): Promise<AutocannonLoad> {
  return runJsonChild<AutocannonLoad>({
    ...input,
    name: 'autocannon',
    script: CHILD,
    timeoutMs: input.job.durationSec * 1000 + OVERHEAD_MS,
  });
}
