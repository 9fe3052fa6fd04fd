// Starting and stopping `ferry appliance --workers auto` with BGP: one worker per core with
// the one BGP speaker in the primary, and a start error (the BGP port taken) that ends the
// whole appliance, no worker left behind serving without it.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startApplianceProcess } from './support/appliance-process.js';
import { get, json } from './support/http-client.js';

const ADDR = '127.0.0.114';

/** Pids of running processes whose command line names `id` (Linux /proc). */
function processesNamed(id: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (args.includes(id)) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

describe('ferry appliance --workers with BGP: start and stop', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-workers-start-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const bgpFlags = (port: number) => [
    '--bgp-listen',
    `${ADDR}:${port}`,
    '--asn',
    '65114',
    '--peer-asn',
    '65115',
    '--bgp-peer',
    '127.0.0.115',
  ];

  it('runs one worker per core with one BGP speaker, and stops on SIGTERM', async () => {
    const a = await startApplianceProcess(
      [
        '--id',
        'auto-1',
        '--listen',
        `${ADDR}:0`,
        '--store',
        join(dir, 'store'),
        '--open',
        '--access-log',
        'off',
        '--workers',
        'auto',
        ...bgpFlags(await freePort(ADDR)),
      ],
      30_000,
    );
    try {
      const s = json(await get(`${a.adminUrl}/v1/status`));
      expect((s.worker as { count: number }).count).toBe(availableParallelism());
      expect((s.bgp as { sessions: { state: string }[] }).sessions.map((x) => x.state)).not.toContain(
        'Established',
      );
      expect(json(await get(`${a.adminUrl}/v1/routes`))).toMatchObject({ routes: [], total: 0 });
      a.child.kill('SIGTERM');
      expect(await a.exited).toBe(0);
    } finally {
      if (a.child.exitCode === null) a.child.kill('SIGKILL');
    }
  });

  it('a BGP port in use is a start error, and no worker is left running', async () => {
    const taken: Server = createServer();
    const port = await new Promise<number>((resolve) =>
      taken.listen(0, ADDR, () => resolve((taken.address() as { port: number }).port)),
    );
    try {
      const child = spawn(
        process.execPath,
        [
          CLI,
          'appliance',
          '--id',
          'busy-1',
          '--listen',
          `${ADDR}:0`,
          '--store',
          join(dir, 'store'),
          '--open',
          '--workers',
          '2',
          ...bgpFlags(port),
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let err = '';
      child.stderr!.on('data', (c: Buffer) => {
        err += c.toString();
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      clearTimeout(timer);
      expect(code).toBe(1);
      expect(err).toContain('EADDRINUSE');
      expect(err).not.toContain('serving on');
      // Workers run the primary's command line: none may outlive it.
      await eventually(() => expect(processesNamed('busy-1')).toEqual([]), {
        what: 'no worker left',
        timeoutMs: 5000,
        intervalMs: 100,
      });
    } finally {
      taken.close();
    }
  });
});
