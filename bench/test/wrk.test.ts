import { describe, expect, it } from 'vitest';
import { parseWrkOutput, wrkArgs, wrkScript } from '../src/dataplane/wrk.js';

const OK = `Running 3s test @ http://127.0.0.1:18090/
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    14.79ms    3.76ms  38.11ms   81.84%
    Req/Sec     1.00k   177.97     1.40k    80.00%
  Latency Distribution
     50%   15.76ms
     75%   16.37ms
     90%   17.77ms
     99%   24.88ms
  3005 requests in 3.03s, 5.87GB read
Requests/sec:    991.03
Transfer/sec:      1.94GB
`;

const WITH_ERRORS = `Running 3s test @ http://127.0.0.1:1/
  2 threads and 64 connections
  Latency Distribution
     50%  812.00us
     75%    1.20ms
     90%    2.00ms
     99%    1.02s
  88120 requests in 3.10s, 5.40MB read
  Socket errors: connect 0, read 3, write 1, timeout 2
  Non-2xx or 3xx responses: 10
Requests/sec:  28425.81
Transfer/sec:      1.74MB
`;

describe('parseWrkOutput', () => {
  it('reads rates, p99 and totals from a clean run', () => {
    const r = parseWrkOutput(OK);
    expect(r.requests).toBe(3005);
    expect(r.durationSec).toBeCloseTo(3.03);
    expect(r.reqPerSec).toBeCloseTo(991.03);
    expect(r.bytesPerSec).toBeCloseTo(1.94 * 1024 ** 3);
    expect(r.bytesRead).toBeCloseTo(5.87 * 1024 ** 3);
    expect(r.p99Ms).toBeCloseTo(24.88);
    expect(r.errors).toBe(0);
    expect(r.non2xx).toBe(0);
  });

  it('converts units and counts socket errors and non-2xx answers', () => {
    const r = parseWrkOutput(WITH_ERRORS);
    expect(r.p99Ms).toBeCloseTo(1020);
    expect(r.bytesPerSec).toBeCloseTo(1.74 * 1024 ** 2);
    expect(r.non2xx).toBe(10);
    expect(r.errors).toBe(16);
  });

  it('reports a missing p99 (run without --latency) as null', () => {
    expect(parseWrkOutput(OK.replace(/ {5}99%.*\n/, '')).p99Ms).toBeNull();
  });

  it('throws on output it does not recognise', () => {
    expect(() => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused\n')).toThrow(
      /unrecognised/,
    );
  });
});

describe('wrkScript and wrkArgs', () => {
  it('embeds the plan as Lua tables and sends the range header', () => {
    const lua = wrkScript([
      { path: '/v1/c/a', range: 'bytes=0-65535' },
      { path: '/v1/c/b', range: 'bytes=65536-131071' },
    ]);
    expect(lua).toContain('"/v1/c/a",\n  "/v1/c/b",');
    expect(lua).toContain('"bytes=0-65535",\n  "bytes=65536-131071",');
    expect(lua).toContain('wrk.format("GET", paths[k], { ["Range"] = ranges[k] })');
  });

  it('escapes quotes and refuses control characters', () => {
    expect(wrkScript([{ path: '/v1/c/a"b', range: 'bytes=0-1' }])).toContain('"/v1/c/a\\"b"');
    expect(() => wrkScript([{ path: '/v1/c/a\nb', range: 'bytes=0-1' }])).toThrow(/printable/);
    expect(() => wrkScript([])).toThrow(/empty/);
  });

  it('never asks for more threads than connections', () => {
    const args = wrkArgs({
      url: 'http://127.0.0.1:1',
      connections: 1,
      threads: 4,
      durationSec: 3,
      script: 's.lua',
    });
    expect(args).toEqual([
      '-t1',
      '-c1',
      '-d3s',
      '--timeout',
      '10s',
      '--latency',
      '-s',
      's.lua',
      'http://127.0.0.1:1',
    ]);
  });
});
