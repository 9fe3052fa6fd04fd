// Runs one AutocannonJob in a child process of its own (autocannon-child.ts) and returns
// what it measured. The load generator never shares the bench driver's event loop.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type ProcessGroup, runToCompletion } from '@ferry/harness';
import type { AutocannonJob, AutocannonLoad } from './autocannon-child.js';

const CHILD = fileURLToPath(new URL('./autocannon-child.ts', import.meta.url));
// Startup, connection teardown and result aggregation on a busy two-core box.
const OVERHEAD_MS = 30_000;

export async function runAutocannonJob(input: {
  group: ProcessGroup;
  repoRoot: string;
  /** where the job file is written */
  jobPath: string;
  job: AutocannonJob;
}): Promise<AutocannonLoad> {
  await writeFile(input.jobPath, JSON.stringify(input.job));
  const r = await runToCompletion(input.group, {
    name: 'autocannon',
    command: process.execPath,
    args: ['--import', 'tsx', CHILD, input.jobPath],
    cwd: input.repoRoot,
    timeoutMs: input.job.durationSec * 1000 + OVERHEAD_MS,
  });
  if (r.code !== 0) throw new Error(`autocannon: exit ${r.code ?? r.signal}\n${r.stderr.trim().slice(-800)}`);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as AutocannonLoad;
}
