// A benchmark's helper process (a load generator, a downloader): started with tsx on a job
// file, run to completion under a time limit, and read back from the one JSON line it prints
// last. The helper never shares the bench driver's event loop.
import { writeFile } from 'node:fs/promises';
import { type ProcessGroup, runToCompletion } from '@ferry/harness';

export async function runJsonChild<T>(input: {
  group: ProcessGroup;
  name: string;
  /** the helper's .ts file */
  script: string;
  repoRoot: string;
  /** where the job file is written */
  jobPath: string;
  job: unknown;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
}): Promise<T> {
  await writeFile(input.jobPath, JSON.stringify(input.job));
  const r = await runToCompletion(input.group, {
    name: input.name,
    command: process.execPath,
    args: ['--import', 'tsx', input.script, input.jobPath],
    cwd: input.repoRoot,
    ...(input.env ? { env: input.env } : {}),
    timeoutMs: input.timeoutMs,
  });
  if (r.code !== 0) {
    const why = r.timedOut ? 'timed out' : `exit ${r.code ?? r.signal}`;
    throw new Error(`${input.name}: ${why}\n${r.stderr.trim().slice(-800)}`);
  }
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as T;
}
