// Bounded waits: `waitUntil` polls a probe until a server is ready (and gives up at once if
// its process has exited); `eventually` retries an assertion until it holds. Both stop after
// a fixed time and a fixed number of attempts.
import type { Child } from './processes.js';

export interface WaitOptions {
  readonly what: string;
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  readonly child?: Child;
}

export async function waitUntil(probe: () => Promise<boolean>, opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 100;
  const maxAttempts = Math.ceil(opts.timeoutMs / interval) + 1;
  let lastError = '';
  for (let attempt = 0; attempt < maxAttempts && Date.now() < deadline; attempt++) {
    if (opts.child?.exit) {
      const tail = opts.child.stderr().trim().split('\n').slice(-5).join('\n');
      throw new Error(
        `${opts.what}: process exited (${JSON.stringify(opts.child.exit)}) before ready\n${tail}`,
      );
    }
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`${opts.what}: not ready after ${opts.timeoutMs} ms${lastError ? ` (${lastError})` : ''}`);
}

/** One HTTP probe with its own timeout; true on the expected status. */
export async function httpOk(url: string, init: RequestInit & { expect?: number[] } = {}): Promise<boolean> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return (init.expect ?? [200]).includes(res.status);
}

export interface EventuallyOptions {
  /** named in the error when the time runs out */
  readonly what?: string;
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
}

/**
 * Retries `check` until it returns without throwing (and, when it returns a boolean, returns
 * true); then returns its value. After `timeoutMs` the last failure is thrown, so a test
 * shows the assertion that never held rather than a bare timeout.
 */
export async function eventually<T>(check: () => T | Promise<T>, opts: EventuallyOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const interval = opts.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  const maxAttempts = Math.ceil(timeoutMs / interval) + 1;
  let last: unknown = new Error('never checked');
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    try {
      const value = await check();
      if (value !== false) return value;
      last = new Error('condition is false');
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, interval));
  }
  const why = last instanceof Error ? last.message : String(last);
  throw Object.assign(new Error(`${opts.what ?? 'condition'} did not hold within ${timeoutMs} ms: ${why}`), {
    cause: last,
  });
}
