// Runs the anchor downloader (anchor-child.ts) in child processes: one for the single
// appliance's anchor, three at once for the site's (three machines each pulling the whole set
// from the origin, which is what a site does without peers).
import { fileURLToPath } from 'node:url';
import type { ProcessGroup } from '@ferry/harness';
import { runJsonChild } from '../common/json-child.js';
import type { AnchorJob, AnchorResult } from './anchor-child.js';

const CHILD = fileURLToPath(new URL('./anchor-child.ts', import.meta.url));

export interface AnchorRun {
  /** from the first request of any downloader to the last rename of all */
  readonly elapsedMs: number;
  readonly bytes: number;
  readonly files: number;
  readonly cpuMs: number;
  readonly errors: readonly string[];
  readonly runs: readonly AnchorResult[];
}

/** `jobs.length` downloaders at once; their times are joined from the clock they share. */
export async function runAnchors(input: {
  group: ProcessGroup;
  repoRoot: string;
  /** job file i is `${jobPathBase}-${i}.json` */
  jobPathBase: string;
  jobs: readonly AnchorJob[];
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
}): Promise<AnchorRun> {
  const runs = await Promise.all(
    input.jobs.map((job, i) =>
      runJsonChild<AnchorResult>({
        ...input,
        name: 'anchor',
        script: CHILD,
        job,
        jobPath: `${input.jobPathBase}-${i}.json`,
      }),
    ),
  );
  return joinAnchorRuns(runs);
}

/** Several downloaders as one: wall time from the first start to the last end; sums (pure). */
export function joinAnchorRuns(runs: readonly AnchorResult[]): AnchorRun {
  const start = Math.min(...runs.map((r) => r.startedAtMs));
  const end = Math.max(...runs.map((r) => r.endedAtMs));
  return {
    elapsedMs: runs.length === 1 ? runs[0]!.elapsedMs : end - start,
    bytes: runs.reduce((n, r) => n + r.bytes, 0),
    files: runs.reduce((n, r) => n + r.files, 0),
    cpuMs: runs.reduce((n, r) => n + r.cpuMs, 0),
    errors: runs.flatMap((r) => r.errors),
    runs,
  };
}
