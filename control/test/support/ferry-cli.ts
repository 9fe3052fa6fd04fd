// Real `ferry` processes for control's integration tests: started with the CLI a user runs,
// ready once their readiness line shows on stderr, stopped by pid.
import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { createIdentityKey } from '@ferry/appliance';

const CLI = join(import.meta.dirname, '../../../cli/bin/ferry.js');

export interface FerryProc {
  child: ChildProcess;
  url?: string;
  /** every byte of stderr so far (service log, readiness lines) */
  stderr(): string;
  exited: Promise<number | null>;
}

/** Starts a ferry command; resolves once `pattern` shows on stderr (group 1 is its URL). */
export function ferry(args: string[], pattern?: RegExp, started: FerryProc[] = []): Promise<FerryProc> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const proc: FerryProc = { child, exited, stderr: () => err };
    started.push(proc);
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      const m = pattern?.exec(err);
      if (m && !proc.url) {
        clearTimeout(timer);
        proc.url = m[1];
        resolve(proc);
      }
    });
    if (!pattern) {
      child.once('exit', () => resolve(proc));
      return;
    }
    const timer = setTimeout(
      () => reject(new Error(`no readiness from ferry ${args[0]}: ${err.slice(-2000)}`)),
      30_000,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!proc.url) reject(new Error(`ferry ${args[0]} exited (${code}): ${err.slice(-2000)}`));
    });
  });
}

export interface FerryRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a ferry command that ends by itself (a client command, a refused start) and collects its output. */
export function ferryRun(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<FerryRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`ferry ${args.join(' ')} still running after ${timeoutMs} ms: ${stderr.slice(-2000)}`),
      );
    }, timeoutMs);
    // 'close', not 'exit': the output is complete only once the pipes have closed.
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The readiness line of `ferry control` and `ferry appliance`; group 1 is the URL. */
export const SERVING = /serving on (http:\/\/\S+)/;

/** `ferry control` listening on `listen` with `flags`; resolves once it serves. */
export function ferryControl(
  flags: string[],
  started: FerryProc[],
  listen = '127.0.0.1:0',
): Promise<FerryProc> {
  return ferry(['control', '--listen', listen, ...flags], SERVING, started);
}

export function isRunning(p: FerryProc): boolean {
  return p.child.exitCode === null && p.child.signalCode === null;
}

/** kill -9 (by pid) every process a test started that still runs, and waits for each exit. */
export async function killAll(started: FerryProc[]): Promise<void> {
  for (const p of started) if (isRunning(p)) p.child.kill('SIGKILL');
  await Promise.all(started.map((p) => p.exited));
}

/** JSON (or bytes) over HTTP, one connection per call, from `from` if given (a client's network). */
export function call(
  url: string,
  opts: { method?: string; body?: unknown; from?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown; raw: Buffer }> {
  return new Promise((resolve, reject) => {
    const data = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = request(
      url,
      {
        method: opts.method ?? 'GET',
        localAddress: opts.from,
        agent: false,
        timeout: 5000,
        headers: { ...(data ? { 'content-type': 'application/json' } : {}), ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          let body: unknown = null;
          try {
            body = JSON.parse(raw.toString());
          } catch {
            body = null;
          }
          resolve({ status: res.statusCode ?? 0, body, raw });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(data);
  });
}

/**
 * Gives appliance `id` its identity key in `dir` and enrolls it at control as an operator
 * would (docs/security.md), in site `site-a` on 127.0.0.1; the key file's path, for
 * `--identity-key`.
 */
export async function enrollAppliance(
  controlUrl: string,
  headers: Record<string, string>,
  dir: string,
  id: string,
): Promise<string> {
  const identity = join(dir, `${id}.identity`);
  const publicKey = await createIdentityKey(identity);
  const enrolled = await call(`${controlUrl}/v1/appliances`, {
    method: 'POST',
    headers,
    body: { id, site: 'site-a', publicKey, urlHosts: ['127.0.0.1'] },
  });
  if (enrolled.status !== 201) {
    throw new Error(`enrolling ${id}: HTTP ${enrolled.status} ${enrolled.raw.toString().slice(0, 200)}`);
  }
  return identity;
}
