// wrk as a second load tool: a Lua script walks the same request plan as autocannon, and
// wrk's text summary is parsed back into numbers.

import type { PlannedRequest } from './load-plan.js';

export interface LoadResult {
  readonly requests: number;
  readonly durationSec: number;
  readonly reqPerSec: number;
  readonly bytesPerSec: number;
  readonly bytesRead: number;
  readonly p99Ms: number | null;
  /** Socket errors, timeouts and non-2xx answers: any of them makes the run suspect. */
  readonly errors: number;
  readonly non2xx: number;
}

function luaString(s: string): string {
  if (!/^[\x20-\x7e]*$/.test(s)) throw new Error(`not printable ASCII: ${JSON.stringify(s)}`);
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function wrkScript(plan: readonly PlannedRequest[]): string {
  if (plan.length === 0) throw new Error('empty request plan');
  const paths = plan.map((r) => `  ${luaString(r.path)},`).join('\n');
  const ranges = plan.map((r) => `  ${luaString(r.range)},`).join('\n');
  return `-- Written by ferry bench dataplane: the same (path, range) plan autocannon uses.
local paths = {
${paths}
}
local ranges = {
${ranges}
}
local n = #paths
local i = 0

-- Each wrk thread has its own Lua state; offset threads so they do not march in step.
function setup(thread)
  thread:set("start", math.random(0, n - 1))
end

function init(args)
  i = start or 0
end

function request()
  i = i + 1
  local k = (i % n) + 1
  return wrk.format("GET", paths[k], { ["Range"] = ranges[k] })
end
`;
}

const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function num(text: string, pattern: RegExp): number | null {
  const m = text.match(pattern);
  return m ? Number(m[1]) : null;
}

/** Parses wrk 4's summary (run with --latency). Throws if the essential lines are missing. */
export function parseWrkOutput(text: string): LoadResult {
  const done = text.match(/(\d+) requests in ([\d.]+)(us|ms|s|m|h),\s+([\d.]+)(B|KB|MB|GB|TB) read/);
  const rps = num(text, /Requests\/sec:\s+([\d.]+)/);
  const tps = text.match(/Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB|TB)/);
  if (!done || rps === null || !tps) throw new Error(`unrecognised wrk output:\n${text.slice(0, 500)}`);
  const p99 = text.match(/^\s*99(?:\.000)?%\s+([\d.]+)(us|ms|s|m|h)\s*$/m);
  const sock = text.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const sockErrors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  const non2xx = num(text, /Non-2xx or 3xx responses: (\d+)/) ?? 0;
  const durationMs = Number(done[2]) * TIME_UNITS[done[3]!]!;
  const bytes = Number(done[4]) * SIZE_UNITS[done[5]!]!;
  return {
    requests: Number(done[1]),
    durationSec: durationMs / 1000,
    reqPerSec: rps,
    bytesPerSec: Number(tps[1]) * SIZE_UNITS[tps[2]!]!,
    bytesRead: bytes,
    p99Ms: p99 ? Number(p99[1]) * TIME_UNITS[p99[2]!]! : null,
    errors: sockErrors + non2xx,
    non2xx,
  };
}

export function wrkArgs(input: {
  url: string;
  connections: number;
  threads: number;
  durationSec: number;
  script: string;
}): string[] {
  return [
    `-t${Math.min(input.threads, input.connections)}`,
    `-c${input.connections}`,
    `-d${input.durationSec}s`,
    '--timeout',
    '10s',
    '--latency',
    '-s',
    input.script,
    input.url,
  ];
}
