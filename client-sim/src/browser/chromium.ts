// One headless Chromium for all browser players: Debian's /usr/bin/chromium driven by
// playwright-core (never a browser build of playwright's own). Launched as a BrowserServer so
// its pid is known: a browser that does not close in time is killed by that pid, with the
// process group it leads (its renderers), never by name.
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { type Browser, type BrowserServer, chromium } from 'playwright-core';
import { BrowserSimError } from './errors.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a quiet, sandbox-free headless browser on a shared machine. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // Muted autoplay is allowed anyway; this keeps play() from waiting on a gesture.
  '--autoplay-policy=no-user-gesture-required',
];

export interface LaunchedChromium {
  browser: Browser;
  pid: number | undefined;
  /** closes the browser, or after `timeoutMs` kills it by pid */
  close(timeoutMs?: number): Promise<void>;
}

export async function launchChromium(
  opts: { executablePath?: string; timeoutMs?: number } = {},
): Promise<LaunchedChromium> {
  const executablePath = opts.executablePath ?? process.env['FERRY_CHROMIUM'] ?? CHROMIUM_PATH;
  // Checked first: playwright makes its temporary profile before it spawns, and leaves it
  // behind when the spawn fails.
  try {
    await access(executablePath, constants.X_OK);
  } catch (err) {
    throw new BrowserSimError('FERRY_ERR_SIM_BROWSER_CHROMIUM', `${executablePath}: not an executable file`, {
      cause: err,
    });
  }
  let server: BrowserServer;
  try {
    server = await chromium.launchServer({
      executablePath,
      // playwright gives a launched browser a fresh temporary profile and removes it after.
      args: CHROMIUM_ARGS,
      timeout: opts.timeoutMs ?? 60_000,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (err) {
    throw new BrowserSimError('FERRY_ERR_SIM_BROWSER_CHROMIUM', `${executablePath}: ${String(err)}`, {
      cause: err,
    });
  }
  const pid = server.process()?.pid;
  let browser: Browser;
  try {
    browser = await chromium.connect(server.wsEndpoint(), { timeout: opts.timeoutMs ?? 60_000 });
  } catch (err) {
    killByPid(pid);
    throw new BrowserSimError('FERRY_ERR_SIM_BROWSER_CHROMIUM', String(err), { cause: err });
  }
  let closed: Promise<void> | undefined;
  const close = (timeoutMs = 15_000) => {
    closed ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), timeoutMs);
      });
      const done = (async () => {
        await browser.close().catch(() => undefined);
        await server.close();
      })().catch(() => undefined);
      const outcome = await Promise.race([done.then(() => 'closed' as const), deadline]);
      clearTimeout(timer);
      if (outcome !== 'late') return;
      killByPid(pid);
      // Once the process is gone playwright's close finishes and removes the temporary
      // profile; bounded, so a close that still hangs cannot hold the caller.
      let settle: NodeJS.Timeout | undefined;
      await Promise.race([
        done,
        new Promise<void>((resolve) => {
          settle = setTimeout(resolve, 5000);
        }),
      ]);
      clearTimeout(settle);
    })();
    return closed;
  };
  return { browser, pid, close };
}

/** SIGKILL to the browser's process group (playwright starts it detached), then to the pid. */
function killByPid(pid: number | undefined): void {
  if (pid === undefined) return;
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
