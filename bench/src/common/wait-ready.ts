// Bounded readiness polling: a server is ready when `probe` succeeds; we give up after
// `timeoutMs`, or at once if the server's process has already exited.
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
