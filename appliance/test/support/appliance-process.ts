// `ferry appliance` as a real process, started with the CLI a user runs: ready once both
// readiness lines (data port and admin listener) show on stderr. A process that does not
// get ready in time is killed, so a failed start leaves nothing running.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export const CLI = join(import.meta.dirname, '../../../cli/bin/ferry.js');

export interface RunningAppliance {
  child: ChildProcess;
  url: string;
  adminUrl: string;
  exited: Promise<number | null>;
}

/** Runs `ferry appliance ...args`; rejects if it is not ready within `readyWithinMs`. */
export function startApplianceProcess(
  args: string[],
  readyWithinMs: number,
  env?: Record<string, string>,
): Promise<RunningAppliance> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'appliance', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(env ? { env: { ...process.env, ...env } } : {}),
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`appliance did not become ready: ${err}`));
    }, readyWithinMs);
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /serving on (https?:\/\/[^\s]+)/.exec(err);
      const admin = /admin on (http:\/\/[^\s]+)/.exec(err);
      if (m && admin) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, adminUrl: admin[1]!, exited });
      }
    });
    child.once('exit', (code) => reject(new Error(`appliance exited early (${code}): ${err}`)));
  });
}
