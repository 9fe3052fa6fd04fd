// Browser players: one Chromium, one page per player, each page playing one source with
// hls.js or dash.js from the page server. The caller opens players, reads their metrics
// whenever it likes (a test watches them through an appliance kill), and closes everything.
import type { Page } from 'playwright-core';
import { type LaunchedChromium, launchChromium } from './chromium.js';
import { BrowserSimError } from './errors.js';
import { isPageMetrics, type PageMetrics, type PlayerKind } from './page-metrics.js';
import { type PageServer, type ServedFile, startPageServer } from './page-server.js';

export interface PlayRequest {
  player: PlayerKind;
  /** manifest URL: control's main.m3u8 / manifest.mpd, or any HLS/DASH source */
  src: string;
  /** session id in the QoE (default `browser-<player>-<n>`) */
  id?: string;
  /** forward buffer the player aims for, in seconds (the player's default otherwise) */
  bufferSec?: number;
}

export interface BrowserPlayer {
  id: string;
  request: PlayRequest;
  /** unix ms when the page was opened */
  openedAt: number;
  page: Page;
  /** the page's metrics now (throws FERRY_ERR_SIM_BROWSER_PAGE when the page cannot answer) */
  metrics(): Promise<PageMetrics>;
  /** what the page wrote on its console (bounded), for a failure's message */
  console: string[];
}

export interface BrowserPlayersOptions {
  executablePath?: string;
  /** extra files for the page server (a test's own media) */
  extra?: Map<string, ServedFile>;
  /** per-page navigation deadline */
  openTimeoutMs?: number;
}

const CONSOLE_LINES = 200;

export class BrowserPlayers {
  readonly players: BrowserPlayer[] = [];

  private constructor(
    private readonly chromium: LaunchedChromium,
    readonly server: PageServer,
    private readonly openTimeoutMs: number,
  ) {}

  static async launch(opts: BrowserPlayersOptions = {}): Promise<BrowserPlayers> {
    const server = await startPageServer(opts.extra ? { extra: opts.extra } : {});
    try {
      const chromium = await launchChromium(
        opts.executablePath ? { executablePath: opts.executablePath } : {},
      );
      return new BrowserPlayers(chromium, server, opts.openTimeoutMs ?? 60_000);
    } catch (err) {
      await server.close();
      throw err;
    }
  }

  /** The browser's pid (for a caller that must kill it itself). */
  get pid(): number | undefined {
    return this.chromium.pid;
  }

  /** Opens a page that starts playing `req.src`; resolves once the page has loaded. */
  async open(req: PlayRequest): Promise<BrowserPlayer> {
    const id = req.id ?? `browser-${req.player}-${this.players.length + 1}`;
    // A context per player: no cache or connections shared between viewers.
    const context = await this.chromium.browser.newContext({ viewport: { width: 360, height: 240 } });
    const page = await context.newPage();
    const lines: string[] = [];
    page.on('console', (msg) => {
      if (lines.length < CONSOLE_LINES) lines.push(`${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => {
      if (lines.length < CONSOLE_LINES) lines.push(`pageerror: ${err.message}`);
    });
    const openedAt = Date.now();
    try {
      await page.goto(this.server.pageUrl(req.player, req.src, req.bufferSec), {
        waitUntil: 'load',
        timeout: this.openTimeoutMs,
      });
    } catch (err) {
      throw new BrowserSimError('FERRY_ERR_SIM_BROWSER_PAGE', `${id}: ${String(err)}`, { cause: err });
    }
    const player: BrowserPlayer = {
      id,
      request: req,
      openedAt,
      page,
      console: lines,
      metrics: async () => {
        let v: unknown;
        try {
          v = await page.evaluate(() => {
            const f = (window as unknown as { __ferry?: { snapshot(): unknown } }).__ferry;
            return f ? f.snapshot() : undefined;
          });
        } catch (err) {
          throw new BrowserSimError('FERRY_ERR_SIM_BROWSER_PAGE', `${id}: ${String(err)}`, { cause: err });
        }
        if (!isPageMetrics(v)) {
          throw new BrowserSimError('FERRY_ERR_SIM_BROWSER_PAGE', `${id}: the page has no player metrics`);
        }
        return v;
      },
    };
    this.players.push(player);
    return player;
  }

  /** Every player's metrics; a page that cannot answer gives its error instead. */
  async readAll(): Promise<Array<{ player: BrowserPlayer; metrics?: PageMetrics; error?: string }>> {
    return Promise.all(
      this.players.map(async (player) => {
        try {
          return { player, metrics: await player.metrics() };
        } catch (err) {
          return { player, error: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
  }

  /** Closes the browser (killed by pid if it does not close in `timeoutMs`) and the server. */
  async close(timeoutMs = 15_000): Promise<void> {
    await this.chromium.close(timeoutMs);
    await this.server.close();
  }
}
