// The runner's Chromium: a missing binary is a named error, and a browser that does not
// close in time is killed by its pid (with the process group it leads).
import { pidAlive } from '@ferry/harness';
import { describe, expect, it } from 'vitest';
import { BrowserPlayers, launchChromium } from '../src/browser/index.js';
import { waitFor } from './browser-support.js';

describe('chromium for browser players', () => {
  it('names a browser that cannot start', async () => {
    await expect(BrowserPlayers.launch({ executablePath: '/nonexistent/chromium' })).rejects.toMatchObject({
      code: 'FERRY_ERR_SIM_BROWSER_CHROMIUM',
    });
  }, 60_000);

  it('kills a browser by pid when it does not close in time', async () => {
    const c = await launchChromium();
    expect(c.pid).toBeGreaterThan(0);
    const pid = c.pid!;
    expect(pidAlive(pid)).toBe(true);
    // 1 ms is never enough for a graceful close: the pid is killed.
    await c.close(1);
    const gone = await waitFor(async () => (pidAlive(pid) ? undefined : true), 15_000, 100);
    expect(gone).toBe(true);
  }, 60_000);
});
