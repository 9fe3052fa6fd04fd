// `ferry ARGS…` run as a user would, in a child process: its exit code and what it printed.
// Bounded: a run still going after `timeoutMs` is killed and the promise rejects, naming the
// command and what it printed on stderr.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const CLI = join(import.meta.dirname, '../../bin/ferry.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunFerryOptions {
  /** the child's whole environment (default: this process's), plus `extraEnv` */
  env?: NodeJS.ProcessEnv;
  extraEnv?: Record<string, string>;
  timeoutMs?: number;
}

export function runFerry(args: string[], o: RunFerryOptions = {}): Promise<CliRun> {
  const timeoutMs = o.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...(o.env ?? process.env), ...o.extraEnv },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ferry ${args.join(' ')} did not finish within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
