// Why browser players could not run (the runner and `ferry sim --players browser`). A
// player's own failures are not thrown: they are measurements in its metrics and QoE.
import { defineErrors, spec } from '@ferry/protocol';

export const BrowserErrors = defineErrors('client-sim-browser', {
  CHROMIUM: spec(
    'FERRY_ERR_SIM_BROWSER_CHROMIUM',
    500,
    'Chromium could not be started (is /usr/bin/chromium installed? scripts install it)',
  ),
  PAGE: spec('FERRY_ERR_SIM_BROWSER_PAGE', 500, 'the player page could not be opened or read'),
  USAGE: spec('FERRY_ERR_SIM_BROWSER_USAGE', 500, 'bad browser player settings'),
  CONTROL: spec(
    'FERRY_ERR_SIM_BROWSER_CONTROL',
    500,
    "control is unreachable or does not give a title's HLS/DASH manifest",
  ),
});

export type BrowserErrorCode = (typeof BrowserErrors)[keyof typeof BrowserErrors]['code'];

export class BrowserSimError extends Error {
  readonly code: BrowserErrorCode;

  constructor(code: BrowserErrorCode, detail?: string, options?: { cause?: unknown }) {
    const message = Object.values(BrowserErrors).find((e) => e.code === code)?.message ?? code;
    super(detail ? `${message}: ${detail}` : message, options);
    this.name = 'BrowserSimError';
    this.code = code;
  }
}
