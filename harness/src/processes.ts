// Child processes of a benchmark: every one is tracked by pid and stopped by pid, on normal
// exit, on error and on Ctrl-C. Servers are started in their own process group (detached)
// so that a server that ignores SIGTERM (or an nginx master killed before its workers) can
// be finished with one kill of its group, still addressed by the pid we started.
import { type ChildProcess, spawn } from 'node:child_process';

export interface StartOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Most bytes of stdout/stderr kept (the tail), so a chatty child cannot fill memory. */
  readonly keepBytes?: number;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  readonly exited: Promise<Exit>;
  /** Set once the process has exited. */
  exit: Exit | undefined;
  stdout(): string;
  stderr(): string;
}

function tailCollector(limit: number): { push(chunk: Buffer): void; text(): string } {
  let chunks: Buffer[] = [];
  let size = 0;
  return {
    push(chunk) {
      chunks.push(chunk);
      size += chunk.length;
      while (size > limit && chunks.length > 1) size -= chunks.shift()!.length;
    },
    text() {
      const all = Buffer.concat(chunks);
      chunks = [all];
      return all.subarray(Math.max(0, all.length - limit)).toString('utf8');
    },
  };
}

export class ProcessGroup {
  private readonly children = new Set<Child>();

  start(opts: StartOptions): Child {
    const proc = spawn(opts.command, [...opts.args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    if (proc.pid === undefined) {
      // spawn reports ENOENT asynchronously; surface it here with the command name.
      throw new Error(`cannot start ${opts.name} (${opts.command})`);
    }
    const limit = opts.keepBytes ?? 1024 * 1024;
    const out = tailCollector(limit);
    const err = tailCollector(limit);
    proc.stdout!.on('data', (c: Buffer) => out.push(c));
    proc.stderr!.on('data', (c: Buffer) => err.push(c));
    const child: Child = {
      name: opts.name,
      pid: proc.pid,
      process: proc,
      exit: undefined,
      stdout: () => out.text(),
      stderr: () => err.text(),
      exited: new Promise<Exit>((resolve) => {
        proc.on('close', (code, signal) => {
          child.exit = { code, signal };
          this.children.delete(child);
          resolve(child.exit);
        });
      }),
    };
    proc.on('error', () => undefined);
    this.children.add(child);
    return child;
  }

  /** SIGTERM, then after `graceMs` SIGKILL to the child's process group. */
  async stop(child: Child, graceMs = 5000): Promise<Exit> {
    if (child.exit) return child.exit;
    signalPid(child.pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), graceMs);
    const exit = await child.exited;
    clearTimeout(timer);
    // Workers of a server (nginx) may outlive a master that was killed; end the group.
    signalGroup(child.pid, 'SIGKILL');
    return exit;
  }

  async stopAll(graceMs = 5000): Promise<void> {
    await Promise.all([...this.children].map((c) => this.stop(c, graceMs)));
  }

  /** Synchronous last resort for process 'exit' and signal handlers. */
  killAllNow(): void {
    for (const c of this.children) signalGroup(c.pid, 'SIGKILL');
  }

  get size(): number {
    return this.children.size;
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: already gone, which is what we wanted.
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    signalPid(pid, signal);
  }
}

export interface RunResult extends Exit {
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/** Runs a command to completion under a time limit (then it is killed). */
export async function runToCompletion(
  group: ProcessGroup,
  opts: StartOptions & { readonly timeoutMs: number },
): Promise<RunResult> {
  const child = group.start(opts);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void group.stop(child, 2000);
  }, opts.timeoutMs);
  const exit = await child.exited;
  clearTimeout(timer);
  return { ...exit, stdout: child.stdout(), stderr: child.stderr(), timedOut };
}

/** Stops everything on Ctrl-C, SIGTERM and process exit; returns a function that uninstalls. */
export function stopOnExit(group: ProcessGroup, cleanup: () => void): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: stopping ${group.size} process(es)\n`);
    group.killAllNow();
    cleanup();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  const onExit = () => {
    group.killAllNow();
    cleanup();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', onExit);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
  };
}

/** True when a process with this pid exists (EPERM: it exists, owned by someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
