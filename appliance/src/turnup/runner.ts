// Runs the turn-up checks (docs/install.md "Turn-up"): at start, again every second while one fails
// (for at most FAST_FOR_MS, then every minute), and every minute once they pass. The last
// report goes into each heartbeat, so control steers to the appliance only once they pass,
// and answers GET /v1/turnup on the admin listener. Each change of outcome is logged.
import type { TurnupCheck, TurnupReport } from '@ferry/protocol';
import type { Logger } from '../ops/logger.js';
import { turnupReport } from './checks.js';

export const FAST_MS = 1000;
export const SLOW_MS = 60_000;
/** A check that still fails after ten minutes of retries every second is retried each minute. */
export const FAST_FOR_MS = 10 * 60_000;

export interface TurnupRunnerOptions {
  /** every check, in TURNUP_CHECKS order */
  run(): Promise<TurnupCheck[]>;
  logger: Logger;
  fastMs?: number;
  slowMs?: number;
}

export class TurnupRunner {
  private lastReport: TurnupReport | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<TurnupReport> | undefined;
  private stopped = true;
  private failingSince: number | undefined;
  /** poked while a run was in progress: that run may have read the old state */
  private again = false;
  private readonly log: Logger;

  constructor(private readonly opts: TurnupRunnerOptions) {
    this.log = opts.logger.child({ part: 'turnup' });
  }

  /** The last report; undefined before the first run ends. */
  last(): TurnupReport | undefined {
    return this.lastReport;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(this.lastReport ? this.nextDelay(this.lastReport, Date.now()) : 0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Runs now (a run in progress is joined), and schedules the next from here. */
  runNow(): Promise<TurnupReport> {
    this.running ??= this.runOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** A run that starts after this call (GET /v1/turnup?run=1): one in progress may predate a fix. */
  async runFresh(): Promise<TurnupReport> {
    await this.running?.catch(() => undefined);
    return this.runNow();
  }

  /** Something a check depends on changed (control's first reply, its signing key): run soon. */
  poke(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.runNow(), ms);
    this.timer.unref();
  }

  private async runOnce(): Promise<TurnupReport> {
    let checks: TurnupCheck[];
    try {
      checks = await this.opts.run();
    } catch (err) {
      checks = [
        { name: 'disks', ok: false, detail: `turn-up checks could not run: ${(err as Error).message}` },
      ];
    }
    const now = Date.now();
    const report = turnupReport(checks, now);
    this.note(report);
    this.lastReport = report;
    if (report.passed) this.failingSince = undefined;
    else this.failingSince ??= now;
    const next = this.again ? 0 : this.nextDelay(report, now);
    this.again = false;
    this.schedule(next);
    return report;
  }

  /** Every second while failing (for at most FAST_FOR_MS), else every minute. */
  private nextDelay(report: TurnupReport, now: number): number {
    const fast = !report.passed && now - (this.failingSince ?? now) < FAST_FOR_MS;
    return fast ? (this.opts.fastMs ?? FAST_MS) : (this.opts.slowMs ?? SLOW_MS);
  }

  /**
   * Logs each change of outcome: failing (first run, or after passing) at warn, a change of
   * which checks fail at info, passing again at info. A check that keeps failing is not
   * logged again each second.
   */
  private note(report: TurnupReport): void {
    const prev = this.lastReport;
    const failedNames = (r: TurnupReport | undefined) =>
      r?.checks
        .filter((c) => !c.ok)
        .map((c) => c.name)
        .join(',');
    if (prev && prev.passed === report.passed && failedNames(prev) === failedNames(report)) return;
    if (report.passed) {
      this.log.info({ checks: report.checks.length }, 'turn-up checks pass');
      return;
    }
    const failed = report.checks.filter((c) => !c.ok).map((c) => ({ check: c.name, detail: c.detail }));
    const msg = 'turn-up checks failing: control will not steer viewers here';
    if (!prev || prev.passed) this.log.warn({ failed }, msg);
    else this.log.info({ failed }, msg);
  }
}
