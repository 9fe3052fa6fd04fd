// A private redis-server for the state tests: loopback only, a free port, its own temp dir,
// no persistence unless asked. Readiness is a PING answered within a bounded wait; the
// process is stopped by its pid, never by name, and the temp dir is removed on stop().
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';

export const REDIS_SERVER_BIN = '/usr/bin/redis-server';

/** For `describe.skipIf(!hasRedisServer())`. */
export function hasRedisServer(): boolean {
  return existsSync(REDIS_SERVER_BIN);
}

export interface RedisServer {
  url: string;
  port: number;
  dir: string;
  pid: number;
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** keep an append-only file in the temp dir (for restart tests) */
  persist?: boolean;
  readyTimeoutMs?: number;
  /** listen here instead of a free port: a restart on the port clients reconnect to */
  port?: number;
  /** use this dir (e.g. a stopped server's, to reload its append-only file); the caller removes it */
  dir?: string;
}

async function pingUntilReady(url: string, proc: ChildProcess, timeoutMs: number, log: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}: ${log()}`);
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') return;
    } catch {
      // not listening yet; the next attempt tells
    } finally {
      probe.disconnect();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server not ready within ${timeoutMs} ms: ${log()}`);
}

function waitExit(proc: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'ferry-redis-')));
  const port = options.port ?? (await freePort());
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', ''];
  args.push('--appendonly', options.persist ? 'yes' : 'no', '--protected-mode', 'yes');
  const proc = spawn(REDIS_SERVER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-4000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const pid = proc.pid;
  const url = `redis://127.0.0.1:${port}`;

  const stop = async () => {
    if (pid !== undefined && proc.exitCode === null && proc.signalCode === null) {
      process.kill(pid, 'SIGTERM');
      if (!(await waitExit(proc, 5000))) {
        process.kill(pid, 'SIGKILL');
        await waitExit(proc, 2000);
      }
    }
    if (ownDir) await rm(dir, { recursive: true, force: true });
  };

  if (pid === undefined) {
    if (ownDir) await rm(dir, { recursive: true, force: true });
    throw new Error(`redis-server did not start: ${output}`);
  }
  try {
    await pingUntilReady(url, proc, options.readyTimeoutMs ?? 10_000, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port, dir, pid, stop };
}
