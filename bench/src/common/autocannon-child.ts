// Runs one autocannon load in its own process, so the load generator never shares an event
// loop with the bench driver. Input: a JSON file named by argv[2] (AutocannonJob): the
// requests to send, walked in turn by all connections. Output: one JSON line
// (AutocannonLoad) on stdout.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

export interface PlannedHttpRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export interface AutocannonJob {
  readonly url: string;
  readonly connections: number;
  readonly durationSec: number;
  readonly requests: readonly PlannedHttpRequest[];
}

export interface AutocannonLoad {
  readonly requests: number;
  readonly durationSec: number;
  readonly reqPerSec: number;
  readonly bytesPerSec: number;
  readonly bytesRead: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  /** Socket errors, timeouts and non-2xx answers: any of them makes the run suspect. */
  readonly errors: number;
  readonly non2xx: number;
}

interface Histogram {
  readonly total: number;
  readonly p50?: number;
  readonly p99?: number;
}

interface AutocannonResult {
  readonly requests: Histogram;
  readonly throughput: Histogram;
  readonly latency: Histogram;
  readonly duration: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
}

interface RequestData {
  method?: string;
  path?: string;
  body?: string;
  headers?: Record<string, string>;
}

type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;

// autocannon ships no type declarations; the shapes above are all this file uses.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

async function main(): Promise<void> {
  const jobPath = process.argv[2];
  if (!jobPath) throw new Error('usage: autocannon-child JOB.json');
  const job = JSON.parse(await readFile(jobPath, 'utf8')) as AutocannonJob;
  if (job.requests.length === 0) throw new Error('empty request plan');
  // One shared counter: requests from all connections walk the plan in turn.
  let next = 0;
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.durationSec,
    pipelining: 1,
    timeout: 10,
    requests: [
      {
        setupRequest: (req: RequestData): RequestData => {
          const r = job.requests[next++ % job.requests.length]!;
          return {
            ...req,
            method: r.method,
            path: r.path,
            ...(r.body !== undefined ? { body: r.body } : {}),
            headers: { ...req.headers, ...r.headers },
          };
        },
      },
    ],
  });
  const duration = result.duration > 0 ? result.duration : job.durationSec;
  const out: AutocannonLoad = {
    requests: result.requests.total,
    durationSec: duration,
    reqPerSec: result.requests.total / duration,
    bytesPerSec: result.throughput.total / duration,
    bytesRead: result.throughput.total,
    p50Ms: result.latency.p50 ?? null,
    p99Ms: result.latency.p99 ?? null,
    errors: result.errors + result.timeouts + result.non2xx,
    non2xx: result.non2xx,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
