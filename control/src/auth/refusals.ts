// Every refused credential is counted (ferry_control_auth_refused_total{reason}) and logged
// at warn with the caller's address, but at most once per reason and address per interval:
// a rogue retrying every few milliseconds must not fill the disk with the same line. The
// next line says how many were left out.
import type { Counter } from 'prom-client';

export interface RefusalLogger {
  warn(obj: object, msg: string): void;
}

export interface AuthRefusalsOptions {
  logger: RefusalLogger;
  counter: Pick<Counter<'reason'>, 'inc'>;
  /** one line per reason and address per this long (default 10 s) */
  intervalMs?: number;
  now?: () => number;
}

/** Past this many remembered (reason, address) pairs the memory starts over: a bound, not a policy. */
const MAX_KEYS = 10_000;

export class AuthRefusals {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: AuthRefusalsOptions) {
    this.intervalMs = opts.intervalMs ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  note(reason: string, address: string, detail: Record<string, unknown> = {}): void {
    this.opts.counter.inc({ reason });
    const key = `${reason}|${address}`;
    const now = this.now();
    const seen = this.last.get(key);
    if (seen && now - seen.at < this.intervalMs) {
      seen.suppressed++;
      return;
    }
    if (this.last.size >= MAX_KEYS) this.last.clear();
    this.last.set(key, { at: now, suppressed: 0 });
    this.opts.logger.warn(
      { reason, address, ...detail, ...(seen?.suppressed ? { suppressed: seen.suppressed } : {}) },
      'refused a request without a valid credential',
    );
  }
}
