// The two servers under test, each a child process on its own loopback port: `ferry control`
// (SQLite state, signing keys, X-Forwarded-For trusted from loopback) and the bare fastify
// anchor. Readiness is each one's own readiness line, polled with a bound.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Child, ProcessGroup } from '@ferry/harness';
import { waitUntil } from '@ferry/harness';
import { formatKeyFile, generateKey } from '@ferry/protocol';

const READY_TIMEOUT_MS = 30_000;
const ANCHOR = fileURLToPath(new URL('./anchor-server.ts', import.meta.url));

export interface Server {
  readonly name: 'ferry-control' | 'fastify';
  readonly baseUrl: string;
  readonly child: Child;
  /** ferry control: the admin operator token the bench created for it */
  readonly token?: string;
}

async function waitForLine(child: Child, line: string, what: string): Promise<void> {
  await waitUntil(async () => child.stderr().includes(line), { what, timeoutMs: READY_TIMEOUT_MS, child });
}

export async function startControl(input: {
  group: ProcessGroup;
  ferryBin: string;
  repoRoot: string;
  workDir: string;
  port: number;
}): Promise<Server> {
  const keys = join(input.workDir, 'keys');
  await writeFile(keys, formatKeyFile([generateKey('k1')]), { mode: 0o600 });
  // The bench is control's operator: it loads the catalog and enrolls the fake appliances.
  const { createTokenInFile } = await import('@ferry/control');
  const tokens = join(input.workDir, 'operator-tokens');
  const token = await createTokenInFile(tokens, 'admin', 'bench');
  const child = input.group.start({
    name: 'ferry control',
    command: process.execPath,
    args: [
      // FERRY_BENCH_CPU_PROF=DIR: control writes a V8 CPU profile there when it stops.
      ...(process.env.FERRY_BENCH_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.FERRY_BENCH_CPU_PROF}`]
        : []),
      input.ferryBin,
      'control',
      '--listen',
      `127.0.0.1:${input.port}`,
      '--db',
      join(input.workDir, 'control.db'),
      '--token-key-file',
      keys,
      '--operator-tokens',
      tokens,
      '--trusted-proxy',
      '127.0.0.1/32',
      '--log-level',
      'warn',
    ],
    cwd: input.repoRoot,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const baseUrl = `http://127.0.0.1:${input.port}`;
  await waitForLine(child, `ferry control serving on ${baseUrl}`, 'ferry control');
  return { name: 'ferry-control', baseUrl, child, token };
}

export async function startAnchor(input: {
  group: ProcessGroup;
  repoRoot: string;
  port: number;
  answerFile: string;
}): Promise<Server> {
  const child = input.group.start({
    name: 'fastify anchor',
    command: process.execPath,
    args: [
      // FERRY_BENCH_CPU_PROF=DIR: the anchor writes its profile there too, to compare.
      ...(process.env.FERRY_BENCH_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.FERRY_BENCH_CPU_PROF}`]
        : []),
      '--import',
      'tsx',
      ANCHOR,
      String(input.port),
      input.answerFile,
    ],
    cwd: input.repoRoot,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  await waitForLine(child, 'anchor listening', 'fastify anchor');
  return { name: 'fastify', baseUrl: `http://127.0.0.1:${input.port}`, child };
}
